// Build-time stand-in for `bl`, the byte list mqtt-packet's parser reads packets from. bl's
// readUInt8() and readUInt16BE() slice a new Buffer for every byte they read, and consume()
// slices one more for every step of the parse: about seven Buffers made and dropped for each
// message received. This keeps the bytes not yet parsed as one view, buf[start, start +
// length), and reads them in place. It has what mqtt-packet's parser uses (bl(), append,
// length, consume, readUInt8/16BE/32BE, slice, toString), with bl's results for the calls it
// makes (whole-number offsets, a start before the end), out-of-range ones included: they go
// through slice() as in bl and throw the same errors. test/unit/bl-shim.test.ts compares the two.
'use strict';
const EMPTY = Buffer.alloc(0);

class BufferList {
  constructor(buf) {
    this.buf = EMPTY;
    this.start = 0;
    this.length = 0;
    if (buf) this.append(buf);
  }

  append(b) {
    if (!Buffer.isBuffer(b)) b = Buffer.from(b);
    if (b.length === 0) return this;
    if (this.length === 0) {
      this.buf = b;
      this.start = 0;
    } else {
      // What is left of a packet, and the rest of it: one buffer again.
      this.buf = Buffer.concat([this.buf.subarray(this.start, this.start + this.length), b]);
      this.start = 0;
    }
    this.length += b.length;
    return this;
  }

  consume(bytes) {
    bytes = Math.trunc(bytes);
    if (Number.isNaN(bytes) || bytes <= 0) return this;
    if (bytes >= this.length) {
      this.buf = EMPTY;
      this.start = 0;
      this.length = 0;
    } else {
      this.start += bytes;
      this.length -= bytes;
    }
    return this;
  }

  /** bl's copy(null, 0, start, end) over one buffer: a view of those bytes. */
  slice(start, end) {
    const length = this.length;
    if (typeof start === 'number' && start < 0) start += length;
    if (typeof end === 'number' && end < 0) end += length;
    if (typeof start !== 'number' || start < 0) start = 0;
    if (typeof end !== 'number' || end > length) end = length;
    if (start >= length || end <= 0) return Buffer.alloc(0);
    return this.buf.subarray(this.start + start, this.start + Math.max(start, end));
  }

  toString(encoding, start, end) {
    if (start >>> 0 === start && end >>> 0 === end && start <= end && end <= this.length) {
      return this.buf.toString(encoding, this.start + start, this.start + end);
    }
    return this.slice(start, end).toString(encoding);
  }

  readUInt8(offset = 0) {
    if (offset >>> 0 === offset && offset < this.length) return this.buf[this.start + offset];
    return this.slice(offset, offset + 1).readUInt8(0);
  }

  readUInt16BE(offset = 0) {
    if (offset >>> 0 === offset && offset + 2 <= this.length) {
      const p = this.start + offset;
      return (this.buf[p] << 8) | this.buf[p + 1];
    }
    return this.slice(offset, offset + 2).readUInt16BE(0);
  }

  readUInt32BE(offset = 0) {
    if (offset >>> 0 === offset && offset + 4 <= this.length) return this.buf.readUInt32BE(this.start + offset);
    return this.slice(offset, offset + 4).readUInt32BE(0);
  }
}

function bl(buf) {
  return new BufferList(buf);
}
bl.BufferList = BufferList;
module.exports = bl;
module.exports.BufferList = BufferList;
module.exports.BufferListStream = bl;
