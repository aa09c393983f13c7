// The Switchboard web console: calls an agent from the browser through the public
// `/v1/realtime` endpoint, exactly as any Realtime client would, with `?observe=true` for the
// side panel (tool calls, guard decisions, state transitions, latency). Plain JavaScript, no
// build step: the gateway serves this file as it is.
'use strict';

const RATE = 24000;

const $ = (id) => document.getElementById(id);
const ui = {
  agent: $('agent'),
  key: $('key'),
  start: $('start'),
  status: $('status'),
  description: $('description'),
  transcript: $('transcript'),
  state: $('state'),
  tools: $('tools'),
  latency: $('latency'),
  sentChunks: $('sent-chunks'),
  audioChunks: $('audio-chunks'),
  bargeIns: $('barge-ins'),
};

let call = null;
let agents = [];

function setStatus(text) {
  ui.status.textContent = text;
}

function bump(element) {
  element.textContent = String(Number(element.textContent) + 1);
}

function addLine(list, className, text) {
  const li = document.createElement('li');
  li.className = className;
  li.textContent = text;
  list.appendChild(li);
  li.scrollIntoView({ block: 'nearest' });
  return li;
}

// --- Transcript -------------------------------------------------------------------------

// One line per conversation item, so deltas and late caller transcriptions land in place.
const lines = new Map();

function transcriptLine(itemId, speaker) {
  let entry = itemId && lines.get(itemId);
  if (!entry) {
    const li = document.createElement('li');
    li.className = speaker;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = speaker === 'caller' ? 'You' : 'Agent';
    const text = document.createElement('span');
    text.className = 'text';
    li.append(who, text);
    ui.transcript.appendChild(li);
    entry = { li, text };
    if (itemId) lines.set(itemId, entry);
  }
  entry.li.scrollIntoView({ block: 'nearest' });
  return entry;
}

function note(text) {
  addLine(ui.transcript, 'note', text);
}

// --- Playback ---------------------------------------------------------------------------

// Agent audio is scheduled back to back on one AudioContext; barge-in stops every queued
// source at once.
class Player {
  constructor(context) {
    this.context = context;
    this.sources = new Set();
    this.playHead = 0;
  }

  play(base64) {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const samples = new Int16Array(bytes.buffer, 0, bytes.length >> 1);
    if (samples.length === 0) return;
    const buffer = this.context.createBuffer(1, samples.length, RATE);
    const data = buffer.getChannelData(0);
    for (let i = 0; i < samples.length; i++) data[i] = samples[i] / 0x8000;
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    const at = Math.max(this.context.currentTime, this.playHead);
    source.start(at);
    this.playHead = at + buffer.duration;
    this.sources.add(source);
    source.onended = () => this.sources.delete(source);
  }

  // Stops now; returns whether anything was still playing.
  interrupt() {
    const playing = this.playHead > this.context.currentTime;
    for (const source of this.sources) {
      try {
        source.stop();
      } catch (_) {
        // Already stopped.
      }
    }
    this.sources.clear();
    this.playHead = 0;
    return playing;
  }
}

// --- Events from the gateway ------------------------------------------------------------

function onEvent(event) {
  switch (event.type) {
    case 'session.created': {
      const instructions = (event.session && event.session.instructions) || '';
      if (instructions.startsWith('[REHEARSAL MODE')) note('Rehearsal mode: the emulator plays the model.');
      setStatus('connected');
      break;
    }
    case 'input_audio_buffer.speech_started': {
      // The gateway truncates the agent's item itself at barge-in (a `barge_in` guard entry
      // says where); the page only has to go quiet at once.
      if (call.player.interrupt()) bump(ui.bargeIns);
      setStatus('listening');
      break;
    }
    case 'input_audio_buffer.speech_stopped':
      setStatus('thinking');
      break;
    case 'conversation.item.input_audio_transcription.completed':
      // Audio that held no words (a cough, a click) gets an empty transcript: no line.
      if (event.transcript) transcriptLine(event.item_id, 'caller').text.textContent = event.transcript;
      break;
    case 'response.output_audio_transcript.delta':
    case 'response.audio_transcript.delta':
    case 'response.output_text.delta':
    case 'response.text.delta':
      transcriptLine(event.item_id, 'agent').text.textContent += event.delta || '';
      break;
    case 'response.output_audio.delta':
    case 'response.audio.delta':
      call.player.play(event.delta);
      bump(ui.audioChunks);
      setStatus('speaking');
      break;
    case 'switchboard.transition':
      ui.state.textContent = event.to;
      addLine(ui.tools, 'transition', `state ${event.from || '—'} → ${event.to}`);
      break;
    case 'switchboard.tool_call': {
      const li = addLine(ui.tools, 'tool', `${event.name}(${JSON.stringify(event.arguments)}) `);
      const outcome = document.createElement('span');
      outcome.className = event.outcome === 'ok' ? 'outcome-ok' : 'outcome-other';
      outcome.textContent = `${event.outcome} · ${Math.round(event.duration_ms)} ms`;
      li.appendChild(outcome);
      break;
    }
    case 'switchboard.guard':
      addLine(ui.tools, 'guard', `guard ${event.decision}: ${event.detail}`);
      break;
    case 'switchboard.escalation':
      addLine(ui.tools, 'escalation', `escalated: ${event.reason}`);
      break;
    case 'switchboard.latency':
      addLine(ui.latency, 'latency', `${event.kind}: ${event.duration_ms.toFixed(1)} ms`);
      break;
    case 'switchboard.turn_ended':
      setStatus('your turn');
      break;
    case 'error':
      note(`Error: ${(event.error && event.error.message) || 'unknown'}`);
      break;
    default:
      break;
  }
}

function send(event) {
  if (call && call.socket.readyState === WebSocket.OPEN) call.socket.send(JSON.stringify(event));
}

// PCM16 bytes to base64, in slices so large chunks never overflow the argument list.
function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

// --- Start and stop ---------------------------------------------------------------------

async function clientSecret(agent) {
  const headers = { 'content-type': 'application/json' };
  if (ui.key.value) headers.authorization = `Bearer ${ui.key.value}`;
  const response = await fetch(`/v1/realtime/client_secrets?agent=${encodeURIComponent(agent)}`, {
    method: 'POST',
    headers,
    body: '{}',
  });
  const body = await response.json();
  if (!response.ok) throw new Error((body.error && body.error.message) || `HTTP ${response.status}`);
  return body.value;
}

async function start() {
  const agent = ui.agent.value;
  ui.start.disabled = true;
  setStatus('starting');
  // Created inside the click so the browser lets it play.
  const context = new AudioContext();
  try {
    await context.resume();
    const secret = await clientSecret(agent);
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, channelCount: 1 },
    });
    await context.audioWorklet.addModule('/audio-worklet.js');
    const microphone = context.createMediaStreamSource(stream);
    const capture = new AudioWorkletNode(context, 'pcm16-capture');
    // A silent path to the output keeps the worklet pulled by the audio graph.
    const mute = context.createGain();
    mute.gain.value = 0;
    microphone.connect(capture).connect(mute).connect(context.destination);

    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${scheme}://${location.host}/v1/realtime?agent=${encodeURIComponent(agent)}&observe=true`;
    const socket = new WebSocket(url, ['realtime', `openai-insecure-api-key.${secret}`]);
    call = { context, stream, capture, socket, player: new Player(context) };
    capture.port.onmessage = (message) => {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: toBase64(message.data) }));
      bump(ui.sentChunks);
    };
    socket.onmessage = (message) => {
      try {
        onEvent(JSON.parse(message.data));
      } catch (error) {
        note(`Bad event: ${error.message}`);
      }
    };
    socket.onclose = (close) => {
      note(`Call ended (${close.code}${close.reason ? `: ${close.reason}` : ''}).`);
      stop();
    };
    ui.start.textContent = 'Stop';
    ui.start.classList.add('stop');
    ui.start.disabled = false;
  } catch (error) {
    note(`Could not start: ${error.message}`);
    await context.close();
    call = null;
    setStatus('idle');
    ui.start.disabled = false;
  }
}

function stop() {
  if (!call) return;
  const { context, stream, capture, socket, player } = call;
  call = null;
  player.interrupt();
  capture.port.onmessage = null;
  stream.getTracks().forEach((track) => track.stop());
  if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(1000);
  context.close();
  ui.start.textContent = 'Start';
  ui.start.classList.remove('stop');
  setStatus('idle');
}

ui.start.addEventListener('click', () => (call ? stop() : start()));

ui.agent.addEventListener('change', () => {
  const chosen = agents.find((a) => a.name === ui.agent.value);
  ui.description.textContent = (chosen && chosen.description) || '';
});

async function loadAgents() {
  try {
    const response = await fetch('/console/agents');
    agents = (await response.json()).agents || [];
  } catch (error) {
    note(`Could not list agents: ${error.message}`);
    return;
  }
  for (const agent of agents) {
    const option = document.createElement('option');
    option.value = agent.name;
    option.textContent = agent.name;
    ui.agent.appendChild(option);
  }
  ui.agent.dispatchEvent(new Event('change'));
  document.body.dataset.ready = 'true';
}

loadAgents();
