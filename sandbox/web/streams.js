'use strict';
// Slack's AI surfaces on the page: the thread status ("CMO is thinking…") while an agent
// works, and the plan a streamed message carries (a titled list of tasks with their states).
// app.js calls renderStreamView for each message and refreshStatuses on every refresh.

/** A stream's text is markdown: the app backslash-escapes brackets (and backslashes) in it. */
function streamedText(text) {
  return String(text || '').replace(/\\([\\[\]])/g, '$1');
}

const TASK_ICONS = { pending: '◻️', in_progress: '⏳', complete: '✅', error: '⚠️' };

/** The plan (or timeline) of tasks a streamed message shows, below its text. */
function renderStreamView(msg) {
  const view = msg.stream;
  const isPlan = Boolean(view.tasks.length || view.title);
  const box = element('div', view.live ? 'stream-view is-live' : 'stream-view',
    { 'data-testid': isPlan ? 'plan' : 'stream', 'data-live': String(Boolean(view.live)) });
  if (!isPlan) {
    if (view.live) box.append(element('span', 'stream-cursor', { 'aria-label': 'streaming' }, '▍'));
    return box;
  }
  if (view.title) box.append(element('div', 'plan-title', { 'data-testid': 'plan-title' }, escapeHtml(view.title)));
  const list = element('ul', 'plan-tasks');
  for (const task of view.tasks) {
    const item = element('li', `plan-task is-${task.status}`, { 'data-testid': 'plan-task', 'data-status': task.status },
      `<span class="plan-icon" aria-hidden="true">${TASK_ICONS[task.status] || '•'}</span>`
      + `<span class="plan-task-title">${escapeHtml(task.title)}</span>`
      + (task.details ? `<span class="plan-task-details">${escapeHtml(task.details)}</span>` : ''));
    list.append(item);
  }
  box.append(list);
  return box;
}

/** One status line under a list: "<name> is thinking…", as Slack shows it. */
function statusLine(id, status) {
  let line = document.getElementById(id);
  const list = document.getElementById(id === 'status-main' ? 'message-list' : 'thread-list');
  if (!status) { if (line) line.remove(); return; }
  if (!line) {
    line = element('div', 'thread-status', { id, 'data-testid': 'thread-status', role: 'status' });
    list.after(line);
  }
  const name = status.username || bot().name;
  line.innerHTML = `<span class="status-dots" aria-hidden="true">•••</span> <b>${escapeHtml(name)}</b> ${escapeHtml(status.status)}`;
}

/** Fetch the channel's thread statuses: the open thread's under the thread, any under the channel. */
async function refreshStatuses(channelId, threadTs) {
  const data = await getJSON(`/api/statuses?${new URLSearchParams({ channel: channelId })}`).catch(() => ({ statuses: [] }));
  if (channelId !== state.channelId) return;
  const statuses = data.statuses || [];
  statusLine('status-main', statuses[statuses.length - 1]);
  statusLine('status-thread', threadTs ? statuses.find((s) => s.thread_ts === threadTs) : null);
}
