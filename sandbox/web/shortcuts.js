'use strict';
// Message shortcuts, as Slack offers them: a message's hover menu ("···") lists the app's
// message shortcuts (the manifest's `features.shortcuts` of type message, from the
// bootstrap); choosing one sends the app a signed `message_action` (POST /api/shortcut), and
// the modal the app opens comes back through the views feed (modals.js). Uses app.js's globals.

/** The "···" button in a message's hover actions (app.js's buildMessage puts it there). */
function moreActionsHtml(msg) {
  if (!(state.boot.shortcuts || []).length) return '';
  return `<button type="button" data-testid="message-more" data-more="${escapeHtml(msg.ts)}" aria-label="More actions" aria-haspopup="menu">···</button>`;
}

function closeShortcutMenu() {
  document.querySelectorAll('.shortcut-menu').forEach((menu) => menu.remove());
}

function openShortcutMenu(button) {
  closeShortcutMenu();
  const ts = button.dataset.more;
  const channelId = state.channelId;
  const menu = element('div', 'shortcut-menu', { role: 'menu', 'data-testid': 'shortcut-menu' });
  for (const shortcut of state.boot.shortcuts) {
    const item = element('button', 'shortcut-item', { type: 'button', role: 'menuitem', 'data-testid': 'shortcut-item' });
    item.textContent = shortcut.name;
    item.addEventListener('click', async () => {
      closeShortcutMenu();
      const result = await postJSON('/api/shortcut', { user: state.me, channel: channelId, message_ts: ts, callback_id: shortcut.callback_id });
      if (!result.ok) showToast(`Couldn't run “${shortcut.name}”: ${result.error}`);
      refreshViews();
    });
    menu.append(item);
  }
  button.closest('.msg-actions').append(menu);
}

document.addEventListener('click', (e) => {
  const more = e.target.closest('[data-more]');
  if (more) return openShortcutMenu(more);
  if (!e.target.closest('.shortcut-menu')) closeShortcutMenu();
});
