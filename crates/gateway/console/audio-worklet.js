// Microphone capture for the console: turns the context's float samples (usually 48 kHz) into
// 24 kHz 16-bit PCM and posts 20 ms chunks (480 samples) to the page, which sends them to the
// gateway as `input_audio_buffer.append`.
const TARGET_RATE = 24000;
const CHUNK_SAMPLES = 480;

class Pcm16Capture extends AudioWorkletProcessor {
  constructor() {
    super();
    // `sampleRate` is the context's rate, a global of the worklet scope.
    this.step = sampleRate / TARGET_RATE;
    // Where the next output sample falls, in input samples from the start of this block;
    // negative when it falls between the previous block's last sample and this one's first.
    this.position = 0;
    this.previous = 0;
    this.chunk = new Int16Array(CHUNK_SAMPLES);
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel || channel.length === 0) return true;
    const length = channel.length;
    while (this.position < length) {
      const index = Math.floor(this.position);
      const fraction = this.position - index;
      const here = index < 0 ? this.previous : channel[index];
      const next = index + 1 < length ? channel[index + 1] : channel[length - 1];
      // Linear interpolation: speech has little energy above 12 kHz, so no filter first.
      const sample = here + (next - here) * fraction;
      this.push(sample);
      this.position += this.step;
    }
    this.position -= length;
    this.previous = channel[length - 1];
    return true;
  }

  push(sample) {
    const clamped = Math.max(-1, Math.min(1, sample));
    this.chunk[this.filled++] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    if (this.filled === CHUNK_SAMPLES) {
      const buffer = this.chunk.buffer;
      this.port.postMessage(buffer, [buffer]);
      this.chunk = new Int16Array(CHUNK_SAMPLES);
      this.filled = 0;
    }
  }
}

registerProcessor('pcm16-capture', Pcm16Capture);
