'use strict';
// Long messages collapse with "Show more", as in Slack: a text message of more than
// LONG_MESSAGE_LINES lines or LONG_MESSAGE_CHARS characters shows its first lines and a
// button that expands it (and "Show less" folds it again). Cards (messages with blocks) are
// never folded: their buttons must stay in reach. What the reader expanded stays expanded
// while replies stream in and rows are rebuilt. Uses app.js's state and element.

const LONG_MESSAGE_LINES = 12;
const LONG_MESSAGE_CHARS = 1200;
const expandedMessages = new Set(); // `${channel}/${ts}`

function isLongMessage(msg) {
  if (Array.isArray(msg.blocks) && msg.blocks.length) return false;
  const text = String(msg.text || '');
  return text.length > LONG_MESSAGE_CHARS || text.split('\n').length > LONG_MESSAGE_LINES;
}

/** Fold `target` (a rendered .msg-text) if `msg` is long; app.js's buildMessage calls this. */
function collapseLong(target, msg) {
  if (!isLongMessage(msg)) return;
  const key = `${state.channelId}/${msg.ts}`;
  const toggle = element('button', 'show-more', { type: 'button', 'data-testid': 'show-more' });
  const show = (open) => {
    target.classList.toggle('is-collapsed', !open);
    toggle.textContent = open ? 'Show less' : 'Show more';
    toggle.setAttribute('aria-expanded', String(open));
  };
  toggle.addEventListener('click', () => {
    const open = !expandedMessages.has(key);
    if (open) expandedMessages.add(key);
    else expandedMessages.delete(key);
    show(open);
  });
  show(expandedMessages.has(key));
  target.after(toggle);
}
