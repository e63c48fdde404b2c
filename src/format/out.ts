/**
 * The reusable output buffer the formatter appends a message's bytes to, and byte
 * constants shared by its writers.
 */

export class Out {
  buf: Buffer = Buffer.allocUnsafe(8192);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.pos + n) size *= 2;
      const nb = Buffer.allocUnsafe(size);
      this.buf.copy(nb, 0, 0, this.pos);
      this.buf = nb;
    }
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    if (n <= 0) return;
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    if (n < 16) {
      for (let i = start; i < end; i++) b[p++] = src[i];
      this.pos = p;
      return;
    }
    b.set(start === 0 && n === src.length ? src : src.subarray(start, end), p);
    this.pos = p + n;
  }

  /** Append a string whose characters are all < 0x100 (written as Latin-1). */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    if (n < 24) {
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    } else {
      p += b.write(s, p, 'latin1');
    }
    this.pos = p;
  }

  utf8(s: string): void {
    const n = s.length;
    this.ensure(n * 3);
    if (n < 64) {
      // short strings: plain ASCII copy is much cheaper than a native call
      const b = this.buf;
      let p = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        this.pos = p;
        return;
      }
      this.pos = p + b.write(i === 0 ? s : s.slice(i), p, 'utf8');
      return;
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Append a non-negative integer zero-padded to exactly `width` digits. */
  digits(n: number, width: number): void {
    this.ensure(width);
    const b = this.buf;
    let p = this.pos + width;
    this.pos = p;
    for (let k = 0; k < width; k++) {
      const q = Math.floor(n / 10);
      b[--p] = 0x30 + (n - q * 10);
      n = q;
    }
  }

  fill(ch: number, n: number): void {
    if (n <= 0) return;
    this.ensure(n);
    this.buf.fill(ch, this.pos, this.pos + n);
    this.pos += n;
  }

  take(): Buffer {
    const r = Buffer.allocUnsafe(this.pos);
    this.buf.copy(r, 0, 0, this.pos);
    return r;
  }
}

export const SP = 0x20;
export const ZERO = 0x30;
export const EMPTY = new Uint8Array(0);
export const HEX_LOWER = '0123456789abcdef';
