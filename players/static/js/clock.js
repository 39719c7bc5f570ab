// The player's clock: the local clock corrected by the server offset, optionally accelerated for tests.
//
// now() = Date.now() + offset, where offset comes from the manifest's server_time_ms and the round trip.
// Test hooks: `?speed=N` runs the clock N times faster from the first sync (timers scale with it), and a
// page may set `window.__playerClock = function () { return ms; }` to drive it directly.

export class Clock {
  constructor(speed) {
    this.speed = speed > 0 ? speed : 1;
    this.offset = 0;
    this.synced = false;
    this.anchorReal = Date.now();
    this.anchorVirtual = Date.now();
  }

  now() {
    if (typeof window.__playerClock === 'function') return window.__playerClock();
    if (this.speed === 1) return Date.now() + this.offset;
    return this.anchorVirtual + (Date.now() - this.anchorReal) * this.speed;
  }

  // serverMs: server time in the response; sentAt / receivedAt: local Date.now() around the request.
  sync(serverMs, sentAt, receivedAt) {
    if (typeof serverMs !== 'number') return;
    this.offset = Math.round(serverMs - (sentAt + receivedAt) / 2);
    if (!this.synced && this.speed !== 1) {
      this.anchorReal = Date.now();
      this.anchorVirtual = Date.now() + this.offset;
    }
    this.synced = true;
  }

  // Real milliseconds until the clock reaches `virtualMs`.
  realDelay(virtualMs) {
    return Math.max(0, (virtualMs - this.now()) / this.speed);
  }
}
