'use strict';
// Slack's AI side panel for the sandbox: "Assistant" in the top bar opens a pane where the
// person talks to the CMO. Opening it starts an assistant thread (POST /api/assistant: the
// stand-in stores the thread's root in the person's DM and sends the app
// `assistant_thread_started`); the pane shows that thread's messages and the suggested
// prompts the app set (`assistant.threads.setSuggestedPrompts`, GET /api/assistant). A prompt
// clicked, or text typed, is the person's message in that thread. Uses app.js's globals.

const ASSISTANT_POLL_MS = 600;
const pane = { thread: null, timer: null, sig: '' };

function buildAssistantPane() {
  const button = element('button', 'assistant-toggle', { type: 'button', 'data-testid': 'assistant-toggle', 'aria-controls': 'assistant-pane' }, '✨ Assistant');
  document.querySelector('.topbar .user-switch').before(button);
  const aside = element('aside', 'pane assistant-pane', { id: 'assistant-pane', 'data-testid': 'assistant-pane', 'aria-label': 'Assistant' },
    '<header class="pane-header"><h2>Assistant</h2><span class="pane-sub" id="assistant-sub"></span>'
    + '<button type="button" class="close-thread" id="assistant-new" data-testid="assistant-new" aria-label="New chat" title="New chat">+</button>'
    + '<button type="button" class="close-thread" id="assistant-close" aria-label="Close assistant">✕</button></header>'
    + '<div class="message-list" id="assistant-list" role="log" aria-label="Assistant messages"></div>'
    + '<div class="assistant-prompts" id="assistant-prompts" data-testid="assistant-prompts"></div>'
    + '<form class="composer" id="assistant-composer" autocomplete="off"><div class="composer-box"><div class="composer-input">'
    + '<textarea rows="1" data-testid="assistant-composer" aria-label="Message the assistant" placeholder="Ask the CMO…"></textarea></div>'
    + '<button type="submit" class="send-button" aria-label="Send to the assistant">Send</button></div></form>');
  aside.hidden = true;
  document.querySelector('.layout').append(aside);
  button.addEventListener('click', () => (aside.hidden ? openAssistant() : closeAssistant()));
  $('assistant-close').addEventListener('click', closeAssistant);
  $('assistant-new').addEventListener('click', () => startAssistantThread());
  $('assistant-composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const textarea = $('assistant-composer').querySelector('textarea');
    const text = textarea.value.trim();
    if (text) sendToAssistant(text).then(() => { textarea.value = ''; });
  });
  $('assistant-composer').querySelector('textarea').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('assistant-composer').requestSubmit(); }
  });
}

async function openAssistant() {
  $('assistant-pane').hidden = false;
  $('assistant-sub').textContent = `${bot().name} · CMO`;
  const known = await getJSON(`/api/assistant?${new URLSearchParams({ user: state.me })}`).catch(() => ({}));
  if (known.thread) pane.thread = known.thread;
  else await startAssistantThread();
  pollAssistant();
}

function closeAssistant() {
  $('assistant-pane').hidden = true;
  clearTimeout(pane.timer);
  pane.timer = null;
}

/** A new assistant thread; the context is the channel the person is viewing, as in Slack. */
async function startAssistantThread() {
  const result = await postJSON('/api/assistant', { user: state.me, viewing: state.channelId });
  if (!result.ok) return showToast(`Couldn't open the assistant: ${result.error}`);
  pane.thread = { channel: result.channel, thread_ts: result.thread_ts, prompts: [] };
  pane.sig = '';
  $('assistant-list').replaceChildren();
  return refreshAssistant();
}

async function sendToAssistant(text) {
  if (!pane.thread) return;
  const result = await postJSON('/api/send', { user: state.me, channel: pane.thread.channel, text: toWireText(text), thread_ts: pane.thread.thread_ts });
  if (!result.ok) showToast(`Couldn't send: ${result.error}`);
  refreshAssistant();
}

function pollAssistant() {
  clearTimeout(pane.timer);
  refreshAssistant().finally(() => {
    if (!$('assistant-pane').hidden) pane.timer = setTimeout(pollAssistant, ASSISTANT_POLL_MS);
  });
}

async function refreshAssistant() {
  const q = (params) => new URLSearchParams(params).toString();
  const known = await getJSON(`/api/assistant?${q({ user: state.me })}`).catch(() => ({}));
  if (known.thread) pane.thread = known.thread;
  if (!pane.thread) return;
  const { channel: ch, thread_ts: ts } = pane.thread;
  const thread = await getJSON(`/api/thread?${q({ channel: ch, ts })}`).catch(() => ({ messages: [] }));
  const shown = (thread.messages || []).filter((m) => m.ts !== ts); // the root is Slack's own
  const sig = JSON.stringify([shown.map((m) => [m.ts, m.text, m.edited?.ts]), pane.thread.prompts, pane.thread.title]);
  if (sig === pane.sig) return;
  pane.sig = sig;
  $('assistant-list').replaceChildren(...shown.map((m) => buildMessage(m, { showThreadLink: false })));
  $('assistant-list').scrollTop = $('assistant-list').scrollHeight;
  renderAssistantPrompts(pane.thread);
}

function renderAssistantPrompts(thread) {
  const box = $('assistant-prompts');
  const prompts = thread.prompts || [];
  box.replaceChildren();
  if (!prompts.length) return;
  box.append(element('div', 'assistant-prompts-title', {}, escapeHtml(thread.prompts_title || 'Suggested')));
  for (const prompt of prompts) {
    const chip = element('button', 'try-chip', { type: 'button', 'data-testid': 'assistant-prompt', title: prompt.message });
    chip.textContent = prompt.title;
    chip.addEventListener('click', () => sendToAssistant(prompt.message));
    box.append(chip);
  }
}

document.addEventListener('DOMContentLoaded', buildAssistantPane);
