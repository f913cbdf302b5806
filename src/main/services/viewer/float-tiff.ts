/**
 * A one-band, uncompressed, little-endian float32 TIFF (one strip). sharp writes float only as raw, and a raw
 * `.f32` needs a sidecar header that the library's sweep would not know belongs to a row; a TIFF carries its own
 * size, and both the pyramid service and any other tool read it.
 */
export function float32TiffHeader(widthPx: number, heightPx: number): Buffer {
  const tags: Array<[tag: number, type: 3 | 4, value: number]> = [
    [256, 4, widthPx], // ImageWidth
    [257, 4, heightPx], // ImageLength
    [258, 3, 32], // BitsPerSample
    [259, 3, 1], // Compression: none
    [262, 3, 1], // Photometric: min-is-black
    [273, 4, 0], // StripOffsets (filled below)
    [277, 3, 1], // SamplesPerPixel
    [278, 4, heightPx], // RowsPerStrip
    [279, 4, widthPx * heightPx * 4], // StripByteCounts
    [284, 3, 1], // PlanarConfiguration: chunky
    [339, 3, 3], // SampleFormat: IEEE float
  ];
  const ifdBytes = 2 + tags.length * 12 + 4;
  const dataOffset = 8 + ifdBytes + ((4 - ((8 + ifdBytes) % 4)) % 4);
  const head = Buffer.alloc(dataOffset);
  head.write('II', 0, 'latin1');
  head.writeUInt16LE(42, 2);
  head.writeUInt32LE(8, 4);
  head.writeUInt16LE(tags.length, 8);
  tags.forEach(([tag, type, value], i) => {
    const at = 10 + i * 12;
    head.writeUInt16LE(tag, at);
    head.writeUInt16LE(type, at + 2);
    head.writeUInt32LE(1, at + 4);
    const v = tag === 273 ? dataOffset : value;
    if (type === 3) head.writeUInt16LE(v, at + 8);
    else head.writeUInt32LE(v >>> 0, at + 8);
  });
  head.writeUInt32LE(0, 10 + tags.length * 12);
  return head;
}
