package org.lactspark.data.dataset;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes one shard ({@link ShardFormat}) to a stream and reports what it wrote, with the SHA-256
 * of every byte for the manifest. Where the stream goes (a local file moved into place, a Hadoop
 * file) is the caller's business; {@link #finish()} writes the trailer, so a stream cut short
 * before it never reads as a complete shard.
 */
public final class ShardWriter implements AutoCloseable {
  private final DigestOutputStream out;
  private final int tokenBytes;
  private final int sequenceLength;
  private long records;
  private long tokens;
  private long bytes;
  private Summary summary;

  /** What a finished shard holds: its records, tokens, size and the SHA-256 of its bytes (hex). */
  public record Summary(long records, long tokens, long bytes, String sha256) {}

  /**
   * A writer of sequences of at most {@code sequenceLength} tokens, ids stored in
   * {@code tokenBytes} bytes ({@link ShardFormat#tokenBytesFor}).
   *
   * @throws IllegalArgumentException for a width other than 1, 2, 4 or a length below 1
   */
  public ShardWriter(OutputStream target, int tokenBytes, int sequenceLength) throws IOException {
    if (tokenBytes != 1 && tokenBytes != 2 && tokenBytes != 4) {
      throw new IllegalArgumentException("token bytes must be 1, 2 or 4, got " + tokenBytes);
    }
    if (sequenceLength < 1) {
      throw new IllegalArgumentException("sequence length must be >= 1, got " + sequenceLength);
    }
    this.out = new DigestOutputStream(new BufferedOutputStream(target, 1 << 16), sha256());
    this.tokenBytes = tokenBytes;
    this.sequenceLength = sequenceLength;
    ByteBuffer h = little(ShardFormat.HEADER_BYTES);
    h.put(ShardFormat.MAGIC).putShort((short) ShardFormat.VERSION).put((byte) tokenBytes).put((byte) 0)
        .putInt(sequenceLength).putInt(0);
    write(h);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  static ByteBuffer little(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Appends one sequence.
   *
   * @throws IllegalArgumentException naming the record and what is wrong: an empty or too long
   *     sequence, a token id outside the width, document starts not strictly increasing inside the
   *     sequence, an answer span outside it, empty, unsorted or overlapping the one before
   */
  public void write(PackedSequence s) throws IOException {
    if (summary != null) {
      throw new IllegalStateException("shard already finished");
    }
    int[] t = s.tokens();
    int[] starts = s.documentStarts();
    List<PackedSequence.Span> spans = s.answerSpans();
    check(t, starts, spans);
    ByteBuffer b = little(12 + 4 * starts.length + 8 * spans.size() + tokenBytes * t.length);
    b.putInt(t.length).putInt(starts.length).putInt(spans.size());
    for (int p : starts) {
      b.putInt(p);
    }
    for (PackedSequence.Span span : spans) {
      b.putInt(span.start()).putInt(span.end());
    }
    for (int id : t) {
      switch (tokenBytes) {
        case 1 -> b.put((byte) id);
        case 2 -> b.putShort((short) id);
        default -> b.putInt(id);
      }
    }
    write(b);
    records++;
    tokens += t.length;
  }

  private void check(int[] t, int[] starts, List<PackedSequence.Span> spans) {
    if (t.length < 1 || t.length > sequenceLength) {
      throw new IllegalArgumentException("record " + records + ": " + t.length + " tokens, expected 1.."
          + sequenceLength);
    }
    for (int i = 0; i < t.length; i++) {
      if (!ShardFormat.fits(t[i], tokenBytes)) {
        throw new IllegalArgumentException("record " + records + ": token id " + t[i] + " at " + i
            + " does not fit in " + tokenBytes + " byte(s)");
      }
    }
    for (int i = 0; i < starts.length; i++) {
      if (starts[i] < 0 || starts[i] >= t.length || (i > 0 && starts[i] <= starts[i - 1])) {
        throw new IllegalArgumentException("record " + records + ": document starts " + Arrays.toString(starts)
            + " must increase strictly within [0, " + t.length + ")");
      }
    }
    String spanProblem = ShardFormat.spanProblem(spans, t.length);
    if (spanProblem != null) {
      throw new IllegalArgumentException("record " + records + ": " + spanProblem);
    }
  }

  private void write(ByteBuffer b) throws IOException {
    out.write(b.array(), 0, b.position());
    bytes += b.position();
  }

  /** Writes the trailer and flushes; returns what the shard holds. Idempotent. */
  public Summary finish() throws IOException {
    if (summary == null) {
      ByteBuffer t = little(ShardFormat.TRAILER_BYTES);
      t.put(ShardFormat.END).putInt(0).putLong(records);
      write(t);
      out.flush();
      summary = new Summary(records, tokens, bytes, HexFormat.of().formatHex(out.getMessageDigest().digest()));
    }
    return summary;
  }

  /** Closes the target stream; without {@link #finish()} first, the shard stays incomplete. */
  @Override
  public void close() throws IOException {
    out.close();
  }
}
