package org.lactspark.model.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Reads one tensor's bytes with positional reads in bounded chunks and converts them, so reading a
 * tensor needs its result array plus one chunk, never a second copy of the whole tensor. Positional
 * reads leave the channel's position alone, so several threads may read at once.
 */
final class TensorReader {
  /** A multiple of every element size, so no element straddles two chunks. */
  private static final int CHUNK_BYTES = 1 << 20;
  /** The largest array length the JVMs in use allocate. */
  private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

  private final FileChannel channel;
  private final long dataStart;
  private final String source;

  TensorReader(FileChannel channel, long dataStart, String source) {
    this.channel = channel;
    this.dataStart = dataStart;
    this.source = source;
  }

  float[] readFloats(TensorInfo t) throws IOException {
    requireFloatingPoint(t, "readFloats");
    float[] out = new float[arrayLength(t)];
    forEachChunk(t, (chunk, first, count) -> {
      switch (t.dtype()) {
        case F32 -> chunk.asFloatBuffer().get(out, first, count);
        case F64 -> {
          for (int i = 0; i < count; i++) {
            out[first + i] = (float) chunk.getDouble(i * 8);
          }
        }
        case F16, BF16 -> {
          for (int i = 0; i < count; i++) {
            out[first + i] = half(t.dtype(), chunk, i);
          }
        }
        default -> throw new AssertionError(t.dtype());
      }
    });
    return out;
  }

  double[] readDoubles(TensorInfo t) throws IOException {
    requireFloatingPoint(t, "readDoubles");
    double[] out = new double[arrayLength(t)];
    forEachChunk(t, (chunk, first, count) -> {
      switch (t.dtype()) {
        case F64 -> chunk.asDoubleBuffer().get(out, first, count);
        case F32 -> {
          for (int i = 0; i < count; i++) {
            out[first + i] = chunk.getFloat(i * 4);
          }
        }
        case F16, BF16 -> {
          for (int i = 0; i < count; i++) {
            out[first + i] = half(t.dtype(), chunk, i);
          }
        }
        default -> throw new AssertionError(t.dtype());
      }
    });
    return out;
  }

  /** Element {@code i} of a chunk of 2-byte floats (F16 or BF16). */
  private static float half(StDType type, ByteBuffer chunk, int i) {
    short bits = chunk.getShort(i * 2);
    return type == StDType.F16 ? HalfPrecision.float16ToFloat(bits) : HalfPrecision.bfloat16ToFloat(bits);
  }

  /** The raw little-endian bytes of any tensor. */
  byte[] readBytes(TensorInfo t) throws IOException {
    if (t.byteLength() > MAX_ARRAY) {
      throw new IOException(source + ": tensor '" + t.name() + "' has " + t.byteLength()
          + " bytes, more than one Java array holds");
    }
    ByteBuffer buffer = ByteBuffer.allocate((int) t.byteLength());
    HeaderReader.readFully(channel, buffer, dataStart + t.begin(), source);
    return buffer.array();
  }

  private void requireFloatingPoint(TensorInfo t, String method) {
    if (!t.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(source + ": tensor '" + t.name() + "' is " + t.dtype()
          + ", not a floating-point dtype (F64, F32, F16, BF16); " + method
          + " does not convert integers");
    }
  }

  private int arrayLength(TensorInfo t) throws IOException {
    long n = t.numElements();
    if (n > MAX_ARRAY) {
      throw new IOException(source + ": tensor '" + t.name() + "' has " + n
          + " elements, more than one Java array holds");
    }
    return (int) n;
  }

  /** Receives {@code count} elements starting at element {@code first}, from chunk index 0. */
  private interface ChunkSink {
    void accept(ByteBuffer chunk, int first, int count);
  }

  private void forEachChunk(TensorInfo t, ChunkSink sink) throws IOException {
    int elementSize = t.dtype().byteSize();
    long total = t.byteLength();
    ByteBuffer chunk =
        ByteBuffer.allocate((int) Math.min(total, CHUNK_BYTES)).order(ByteOrder.LITTLE_ENDIAN);
    long done = 0;
    int element = 0;
    while (done < total) {
      int bytes = (int) Math.min(chunk.capacity(), total - done);
      chunk.clear().limit(bytes);
      HeaderReader.readFully(channel, chunk, dataStart + t.begin() + done, source);
      chunk.flip();
      int count = bytes / elementSize;
      sink.accept(chunk, element, count);
      element += count;
      done += bytes;
    }
  }
}
