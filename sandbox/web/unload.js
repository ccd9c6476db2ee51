'use strict';
// A page that goes away (a reload, a closed tab) closes its person's modals, as Slack closes
// the views of a client that leaves: otherwise the modal comes back over the reloaded page
// with nothing behind it that can still answer it. The page also asks once as it starts, for
// a tab that was killed before it could say so. Uses app.js's state and postJSON.

/** Close every modal the person has open (the stand-in sends the app `view_closed`). */
function closeViewsLeftOpen() {
  return state.me ? postJSON('/api/close_all', { user: state.me }) : Promise.resolve(null);
}

window.addEventListener('pagehide', () => {
  if (!state.me) return;
  // keepalive: the request outlives the page that sends it.
  fetch('/api/close_all', {
    method: 'POST', keepalive: true, headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: state.me }),
  }).catch(() => {});
});
