'use strict';
// Views (modals and the App Home tab), block actions and error toasts. The server keeps each
// person's modal stack and Home view (`GET /api/views`); this file shows the top modal, posts
// clicks, submissions and closes, and refetches when the stream says that person's views
// changed. Uses app.js's state, $, element, getJSON and postJSON, and blockkit.js.

const TOAST_MS = 6000;

const views = {
  modals: [], home: null,
  shown: null, // the modal on screen: { id, sig, root, busy }
  homeSig: undefined, // what the Home pane last drew, so an unchanged refetch keeps its controls
  drafts: new Map(), // view id → state.values typed into a modal that is now under another one
  running: null, again: false, // refetch coalescing
};

// ------------------------------------------------------------------ toasts

function showToast(message) {
  const toast = element('div', 'toast toast-error', { 'data-testid': 'toast-error', role: 'alert' });
  toast.textContent = message;
  toast.addEventListener('click', () => toast.remove());
  $('toast-region').append(toast);
  setTimeout(() => toast.remove(), TOAST_MS);
}

// ------------------------------------------------------------------ actions

/** POST /api/action with Slack's container for the surface; errors become a toast. */
async function sendBlockAction(surface, action) {
  const body = surface.kind === 'view'
    ? { user: state.me, view_id: surface.viewId, action }
    : { user: state.me, channel: surface.channel, message_ts: surface.ts, action };
  // Slack marks clicks on ephemeral messages; the stand-in cannot find those by ts alone.
  if (surface.ephemeral) body.is_ephemeral = true;
  const result = await postJSON('/api/action', body);
  if (!result.ok) showToast(`Couldn't complete that action: ${result.error || 'unknown error'}`);
  // An action often opens or updates a view; the stream says so too, but don't depend on it.
  refreshViews();
  return Boolean(result.ok);
}

// ------------------------------------------------------------------ fetching views

/** Coalesce refetches: callers get a promise that settles once the latest state is drawn. */
function refreshViews() {
  views.again = true;
  if (!views.running) views.running = runViewsRefresh().finally(() => { views.running = null; });
  return views.running;
}

async function runViewsRefresh() {
  while (views.again) {
    views.again = false;
    const me = state.me;
    try {
      const data = await getJSON(`/api/views?${new URLSearchParams({ user: me })}`);
      if (me !== state.me) continue; // switched person meanwhile; `again` is already set
      views.modals = Array.isArray(data.modals) ? data.modals : [];
      views.home = data.home || null;
      renderTopModal();
      renderHome();
    } catch (err) {
      console.warn('views refresh failed', err);
    }
  }
}

/** A new person sees none of the previous person's views, not even for one refetch. */
function resetViews() {
  views.drafts.clear();
  views.modals = [];
  views.home = null;
  hideModal();
  renderHome();
  refreshViews();
}

// ------------------------------------------------------------------ the modal

/** Show the top of the stack; a view that did not change keeps its DOM and typed values. */
function renderTopModal() {
  const view = views.modals[views.modals.length - 1] || null;
  const sig = view ? JSON.stringify(view) : null;
  if ((views.shown?.sig ?? null) === sig) return;
  if (views.shown) views.drafts.set(views.shown.id, collectValues(views.shown.root));
  const open = new Set(views.modals.map((v) => v.id));
  [...views.drafts.keys()].forEach((id) => { if (!open.has(id)) views.drafts.delete(id); });
  hideModal();
  if (view) showModal(view, sig);
}

function hideModal() {
  $('modal-root')?.remove();
  views.shown = null;
  document.querySelector('.layout').inert = false;
}

function showModal(view, sig) {
  const surface = { kind: 'view', viewId: view.id };
  const body = element('form', 'modal-body', { novalidate: '' });
  body.append(renderBlocks(view.blocks, surface));
  // Slack keeps what was typed when a view is updated in place or comes back from under a push.
  applyValues(body, view.state?.values);
  applyValues(body, views.drafts.get(view.id));
  body.addEventListener('submit', (e) => e.preventDefault()); // never a page navigation
  // Enter in a one-line input submits the view, as in Slack; in a multiline one it is a newline.
  body.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.isComposing && e.target.matches('input.bk-text-input')) {
      e.preventDefault();
      submitModal();
    }
  });

  const dialog = element('div', 'modal', {
    role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'modal-title', 'data-testid': 'modal',
    'data-view-id': view.id ?? '', 'data-callback-id': view.callback_id ?? '',
  });
  dialog.append(modalHeader(view), body, modalFooter(view));
  const backdrop = element('div', 'modal-backdrop', { id: 'modal-root' });
  backdrop.append(dialog);
  document.body.append(backdrop);
  // Keyboard focus stays in the modal, as in Slack; the person picker above stays usable.
  document.querySelector('.layout').inert = true;
  views.shown = { id: view.id, sig, root: dialog, busy: false };
  (body.querySelector('[data-testid="modal-input"]') || dialog.querySelector('[data-testid="modal-close"]')).focus();
}

function modalHeader(view) {
  const header = element('header', 'modal-header', {},
    '<span class="modal-app-icon" aria-hidden="true">MD</span>'
    + `<h2 id="modal-title" data-testid="modal-title">${renderTextObject(view.title || 'App')}</h2>`
    + '<button type="button" class="modal-x" aria-label="Close">✕</button>');
  // The ✕ clears the whole stack (Cancel only pops the top view), as in Slack.
  header.querySelector('.modal-x').addEventListener('click', () => closeModal({ wholeStack: true }));
  return header;
}

function modalFooter(view) {
  const footer = element('footer', 'modal-footer');
  const close = element('button', 'bk-button is-default', { type: 'button', 'data-testid': 'modal-close' },
    renderTextObject(view.close || 'Cancel'));
  close.addEventListener('click', () => closeModal());
  footer.append(close);
  if (view.submit) {
    const submit = element('button', 'bk-button is-primary', { type: 'button', 'data-testid': 'modal-submit' },
      renderTextObject(view.submit));
    submit.addEventListener('click', submitModal);
    footer.append(submit);
  }
  return footer;
}

/** While a submit or close is in flight the footer is disabled: one click, one request. */
function setBusy(shown, busy) {
  shown.busy = busy;
  shown.root.querySelectorAll('.modal-footer button, .modal-x').forEach((b) => { b.disabled = busy; });
}

async function submitModal() {
  const shown = views.shown;
  if (!shown || shown.busy || !shown.root.querySelector('[data-testid="modal-submit"]')) return;
  clearErrors(shown.root);
  const missing = missingInputs(shown.root);
  if (Object.keys(missing).length) return showErrors(shown.root, missing);
  setBusy(shown, true);
  const result = await postJSON('/api/submit', { user: state.me, view_id: shown.id, values: collectValues(shown.root) });
  if (result.ok) {
    await refreshViews(); // the app's answer (close, update, push) is now in /api/views
  } else if (result.errors && typeof result.errors === 'object') {
    showErrors(shown.root, result.errors);
  } else {
    showToast(`Couldn't submit: ${result.error || 'unknown error'}`);
  }
  if (views.shown === shown) setBusy(shown, false);
}

/** POST /api/close for the top view, or for the bottom one (the stand-in drops all above it). */
async function closeModal({ wholeStack = false } = {}) {
  const shown = views.shown;
  if (!shown || shown.busy) return;
  setBusy(shown, true);
  const viewId = wholeStack && views.modals.length ? views.modals[0].id : shown.id;
  const result = await postJSON('/api/close', { user: state.me, view_id: viewId });
  if (result.ok) {
    views.drafts.delete(shown.id);
    await refreshViews();
  } else {
    showToast(`Couldn't close: ${result.error || 'unknown error'}`);
  }
  if (views.shown === shown) setBusy(shown, false);
}

function clearErrors(root) {
  root.querySelectorAll('[data-testid="modal-error"]').forEach((e) => e.remove());
  root.querySelectorAll('.has-error').forEach((e) => e.classList.remove('has-error'));
}

/** Slack's `response_action: errors`: each message under its input, red, values kept. */
function showErrors(root, errors) {
  const unplaced = [];
  Object.entries(errors).forEach(([blockId, message]) => {
    const block = root.querySelector(`.bk-block[data-block-id="${CSS.escape(blockId)}"]`);
    if (!block) return unplaced.push(String(message));
    block.classList.add('has-error');
    const note = element('div', 'bk-input-error', { 'data-testid': 'modal-error', 'data-block-id': blockId, role: 'alert' });
    note.textContent = String(message);
    const hint = block.querySelector('.bk-hint');
    if (hint) hint.before(note);
    else block.append(note);
  });
  if (unplaced.length) showToast(unplaced.join(' · '));
  root.querySelector('.has-error [data-bk-state]')?.focus();
}

// Escape closes the top modal, unless it belongs to an open confirm dialog or menu.
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape' || !views.shown || document.querySelector('[data-testid="confirm-dialog"]')) return;
  e.stopPropagation(); // not the thread pane behind the modal
  closeModal();
}, true);

// ------------------------------------------------------------------ the Home tab

function renderHome() {
  const pane = $('home-view');
  const home = views.home;
  const sig = home ? JSON.stringify(home) : null;
  if (sig === views.homeSig) return;
  views.homeSig = sig;
  if (!home) {
    pane.removeAttribute('data-view-id');
    pane.replaceChildren(element('div', 'home-empty', {}, 'Nothing published here yet.'));
    return;
  }
  pane.dataset.viewId = home.id ?? '';
  const blocks = renderBlocks(home.blocks, { kind: 'view', viewId: home.id });
  applyValues(blocks, home.state?.values);
  pane.replaceChildren(blocks);
}
