'use strict';
// Slack permalinks open in the page, as a Slack client opens them. The stand-in's
// chat.getPermalink answers https://sandbox.slack.local/archives/<channel>/p<ts>[?thread_ts=…]
// (a host nobody can reach), and jobs/ falls back to slack://channel?id=…&message=… when Slack
// gives none; a click on either (a link in a message, Home's "open the card", a link button)
// opens that channel and thread here and points at the message, instead of a dead tab. Uses
// app.js's state, channel, openChannel and openThread, and modals.js's showToast, at click time.

const PERMALINK_HOST = 'sandbox.slack.local';
const LINKED_HIGHLIGHT_MS = 4000;

/** { channel, ts, threadTs } of a sandbox permalink, or null for any other URL. */
function parsePermalink(href) {
  let url;
  try {
    url = new URL(href, location.href);
  } catch {
    return null;
  }
  if (url.protocol === 'slack:') return deepLink(url);
  if (url.hostname !== PERMALINK_HOST) return null;
  const match = url.pathname.match(/^\/archives\/([A-Z0-9]+)\/p(\d{7,})$/);
  if (!match) return null;
  const digits = match[2];
  const ts = `${digits.slice(0, -6)}.${digits.slice(-6)}`;
  return { channel: match[1], ts, threadTs: url.searchParams.get('thread_ts') || null };
}

/** `slack://channel?id=C…&message=<ts>`: the link jobs/ builds when Slack gave no permalink. */
function deepLink(url) {
  const channelId = url.searchParams.get('id');
  const ts = url.searchParams.get('message');
  if (url.host !== 'channel' || !channelId || !/^\d+\.\d+$/.test(ts || '')) return null;
  return { channel: channelId, ts, threadTs: url.searchParams.get('thread_ts') || null };
}

const linked = { target: null }; // { ts, list: 'main' | 'thread' } still to be pointed at

/** Open a permalink in place; true when `href` was one (whatever became of it). */
function openPermalink(href) {
  const link = parsePermalink(href);
  if (!link) return false;
  const ch = channel(link.channel);
  if (!ch) {
    showToast("That link points to a conversation this sandbox doesn't have.");
  } else if (!isVisibleChannel(ch)) {
    showToast("That message is in someone else's direct messages, which you can't see.");
  } else {
    showLinkedMessage(ch.id, link);
  }
  return true;
}

/** The channel, then the thread the message is in (or heads), then the message itself. */
async function showLinkedMessage(channelId, { ts, threadTs }) {
  openChannel(channelId);
  let thread = threadTs;
  if (!thread) {
    // A thread's parent: open its thread too, as a link to "the assignment thread" means.
    const q = new URLSearchParams({ channel: channelId, ts });
    const found = await getJSON(`/api/thread?${q}`).catch(() => null);
    if (state.channelId !== channelId) return; // the reader moved on meanwhile
    if (found && !found.messages?.length) {
      showToast('That message is no longer there (it was deleted).');
      return;
    }
    if ((found?.messages?.length || 0) > 1) thread = ts;
  }
  linked.target = { ts, list: thread ? 'thread' : 'main' };
  if (thread) openThread(thread);
  pointAtLinked();
}

/** Scroll the linked message into view and mark it, once its row has been drawn. */
function pointAtLinked() {
  if (!linked.target) return;
  const list = $(linked.target.list === 'thread' ? 'thread-list' : 'message-list');
  const row = list.querySelector(`[data-testid="message"][data-ts="${CSS.escape(linked.target.ts)}"]`);
  if (!row) return;
  linked.target = null;
  // A tall card is shown from its top; anything shorter than the pane, in its middle.
  row.scrollIntoView({ block: row.offsetHeight > list.clientHeight * 0.8 ? 'start' : 'center' });
  row.classList.add('is-linked');
  row.dataset.linked = 'true';
  setTimeout(() => row.classList.remove('is-linked'), LINKED_HIGHLIGHT_MS);
}

// Rows are (re)built as refreshes arrive; look for the linked one after each change. (At load
// time app.js, and so its `$`, is not there yet.)
const linkedWatcher = new MutationObserver(pointAtLinked);
['message-list', 'thread-list'].forEach((id) => linkedWatcher.observe(document.getElementById(id), { childList: true }));

function onLinkClick(e) {
  const anchor = e.target.closest('a[href]');
  if (!anchor || (e.type === 'auxclick' && e.button !== 1)) return;
  if (!parsePermalink(anchor.getAttribute('href'))) return;
  e.preventDefault();
  e.stopPropagation();
  openPermalink(anchor.getAttribute('href'));
}

// Capture phase: before the anchor's own target=_blank navigation.
document.addEventListener('click', onLinkClick, true);
document.addEventListener('auxclick', onLinkClick, true);
