'use strict';
// Agents' avatars: the persona's initials on a colour of its own, with its emoji as a badge,
// so each agent is told apart at a glance even where an emoji font is missing. The colour is
// the roster's (`color`), else one of a fixed palette by the agent's place in the roster, so it
// stays the same from one load to the next. Uses app.js's state and mrkdwn.js's escapeHtml.

const AGENT_PALETTE = [
  '#1264a3', '#007a5a', '#e01e5a', '#b7791f', '#0e7490', '#6d28d9', '#c2410c',
  '#be185d', '#4d7c0f', '#0b4c8c', '#9c27b0', '#b91c1c', '#15803d', '#475569',
];
const CONNECTORS = new Set(['of', 'and', 'the', 'for', '&']);

/** "CMO", "SEO Specialist" → "SEO", "Director of Communications" → "DC", "Copywriter" → "C". */
function initialsOf(name) {
  const words = String(name).replace(/\(.*\)/, '').trim().split(/\s+/).filter((w) => w && !CONNECTORS.has(w.toLowerCase()));
  if (!words.length) return '?';
  if (/^[A-Z]{2,3}$/.test(words[0])) return words[0];
  return words.slice(0, 2).map((w) => w[0].toUpperCase()).join('');
}

function agentByName(name) {
  return (state.boot?.agents || []).find((a) => a.display_name === name) || null;
}

/** The agent's colour: its roster colour, else its palette slot (roster order), else a hash. */
function agentColor(name) {
  const agents = state.boot?.agents || [];
  const agent = agentByName(name);
  if (agent && /^#[0-9a-f]{6}$/i.test(agent.color || '')) return agent.color;
  const index = agent ? agents.indexOf(agent) : [...String(name)].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 9973, 7);
  return AGENT_PALETTE[index % AGENT_PALETTE.length];
}

/** An agent's avatar (app.js's avatarHtml hands persona posts here). */
function agentAvatarHtml(author) {
  const initials = initialsOf(author.name);
  return `<div class="avatar avatar-agent" style="background:${agentColor(author.name)}" aria-hidden="true"`
    + ` data-testid="avatar" data-initials="${escapeHtml(initials)}">${escapeHtml(initials)}`
    + `${author.emoji ? `<span class="avatar-badge">${author.emoji}</span>` : ''}</div>`;
}
