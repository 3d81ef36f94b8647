package org.lactspark.model.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/** Writes a tensor's values in a dtype through one reused chunk buffer, little-endian. */
final class TensorEncoder {
  /** A multiple of every element size the writer supports. */
  private static final int CHUNK_BYTES = 1 << 16;

  private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
  private final StDType dtype;

  TensorEncoder(StDType dtype) {
    this.dtype = dtype;
  }

  void write(WritableByteChannel channel, SafetensorsWriter.NamedTensor t) throws IOException {
    int n = t.length();
    int perChunk = CHUNK_BYTES / dtype.byteSize();
    for (int start = 0; start < n; start += perChunk) {
      int end = Math.min(n, start + perChunk);
      chunk.clear();
      for (int i = start; i < end; i++) {
        put(t, i);
      }
      chunk.flip();
      writeFully(channel, chunk);
    }
  }

  private void put(SafetensorsWriter.NamedTensor t, int i) {
    float[] floats = t.data();
    switch (dtype) {
      // putFloat keeps the raw bits, so F32 output is bit-identical to the input, NaNs included
      case F32 -> chunk.putFloat(floats != null ? floats[i] : (float) t.doubleData()[i]);
      case F64 -> chunk.putDouble(floats != null ? floats[i] : t.doubleData()[i]);
      case BF16 -> chunk.putShort(floats != null
          ? HalfPrecision.floatToBfloat16(floats[i])
          : HalfPrecision.doubleToBfloat16(t.doubleData()[i]));
      default -> throw new AssertionError(dtype);
    }
  }

  static void writeFully(WritableByteChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }
}
