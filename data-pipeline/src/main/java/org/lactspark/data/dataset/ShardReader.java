package org.lactspark.data.dataset;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.DigestInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Streams the sequences of one shard ({@link ShardFormat}) from any input stream, optionally from
 * a record offset (a resume cursor), checking the layout as it goes and, at the end, the record
 * count of the trailer and the SHA-256 of every byte against the manifest's. Skipped records are
 * read and hashed but not decoded. Needs neither Spark nor Hadoop.
 */
public final class ShardReader implements AutoCloseable {
  private final String name;
  private final DigestInputStream in;
  private final String expectedSha256;
  private final int tokenBytes;
  private final int sequenceLength;
  private long index;
  private boolean ended;

  /**
   * Opens a shard.
   *
   * @param name the shard's name, for messages
   * @param source its bytes
   * @param expectedSha256 the manifest's checksum (hex), or null to skip that check
   * @param fromRecord the first record to return (0 for all)
   * @throws IOException naming the shard if its header is not a shard header of this layout
   *     version ({@link ShardFormat#VERSION}) or it has fewer than {@code fromRecord} records
   */
  public ShardReader(String name, InputStream source, String expectedSha256, long fromRecord) throws IOException {
    this.name = name;
    this.in = new DigestInputStream(new BufferedInputStream(source, 1 << 16), ShardWriter.sha256());
    this.expectedSha256 = expectedSha256;
    ByteBuffer h = read(ShardFormat.HEADER_BYTES, "header");
    byte[] magic = new byte[4];
    h.get(magic);
    int version = Short.toUnsignedInt(h.getShort());
    if (!Arrays.equals(magic, ShardFormat.MAGIC)) {
      throw new IOException(name + ": not a shard (magic " + HexFormat.of().formatHex(magic) + ", version "
          + version + ")");
    }
    if (version != ShardFormat.VERSION) {
      throw new IOException(name + ": shard format version " + version + ", this reader reads version "
          + ShardFormat.VERSION + " only");
    }
    this.tokenBytes = Byte.toUnsignedInt(h.get());
    h.get();
    this.sequenceLength = h.getInt();
    if ((tokenBytes != 1 && tokenBytes != 2 && tokenBytes != 4) || sequenceLength < 1) {
      throw new IOException(name + ": bad header (token bytes " + tokenBytes + ", sequence length "
          + Integer.toUnsignedString(sequenceLength) + ")");
    }
    if (fromRecord < 0) {
      throw new IllegalArgumentException("fromRecord must be >= 0, got " + fromRecord);
    }
    while (index < fromRecord) {
      nextOrNull(false);
      if (ended) {
        throw new IOException(name + ": cursor at record " + fromRecord + " but the shard holds " + index);
      }
    }
  }

  /** The sequence length of the shard's header. */
  public int sequenceLength() {
    return sequenceLength;
  }

  /** The index of the record {@link #next()} returns next. */
  public long position() {
    return index;
  }

  /**
   * The next sequence, or null at the end of the shard (after the trailer and checksum checks).
   *
   * @throws IOException naming the shard and record if the data is truncated, malformed or its
   *     checksum differs from the manifest's
   */
  public PackedSequence next() throws IOException {
    return nextOrNull(true);
  }

  private PackedSequence nextOrNull(boolean decode) throws IOException {
    if (ended) {
      return null;
    }
    ByteBuffer head = read(8, "record " + index);
    byte[] first = Arrays.copyOf(head.array(), 4);
    if (Arrays.equals(first, ShardFormat.END)) {
      finishTrailer(head);
      return null;
    }
    long n = Integer.toUnsignedLong(head.getInt(0));
    long s = Integer.toUnsignedLong(head.getInt(4));
    long a = Integer.toUnsignedLong(read(4, "record " + index).getInt(0));
    if (n < 1 || n > sequenceLength || s > n || a > n) {
      throw new IOException(name + ": record " + index + " claims " + n + " tokens, " + s
          + " document starts and " + a + " answer spans (sequence length " + sequenceLength + ")");
    }
    long size = 4 * s + 8 * a + tokenBytes * n;
    if (size > Integer.MAX_VALUE - 8) {
      throw new IOException(name + ": record " + index + " of " + size + " bytes is too large to read");
    }
    ByteBuffer body = read((int) size, "record " + index);
    index++;
    return decode ? decode(body, (int) n, (int) s, (int) a) : null;
  }

  private PackedSequence decode(ByteBuffer body, int n, int s, int a) throws IOException {
    int[] starts = new int[s];
    for (int i = 0; i < starts.length; i++) {
      starts[i] = body.getInt();
    }
    List<PackedSequence.Span> spans = new ArrayList<>(a);
    for (int i = 0; i < a; i++) {
      spans.add(new PackedSequence.Span(body.getInt(), body.getInt()));
    }
    int[] tokens = new int[n];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = switch (tokenBytes) {
        case 1 -> Byte.toUnsignedInt(body.get());
        case 2 -> Short.toUnsignedInt(body.getShort());
        default -> body.getInt();
      };
    }
    validate(tokens, starts, spans);
    return new PackedSequence(tokens, starts, spans);
  }

  private void validate(int[] tokens, int[] starts, List<PackedSequence.Span> spans) throws IOException {
    for (int i = 0; i < starts.length; i++) {
      if (starts[i] < 0 || starts[i] >= tokens.length || (i > 0 && starts[i] <= starts[i - 1])) {
        throw new IOException(name + ": record " + (index - 1) + " has document starts " + Arrays.toString(starts)
            + " outside [0, " + tokens.length + ") or not increasing");
      }
    }
    String spanProblem = ShardFormat.spanProblem(spans, tokens.length);
    if (spanProblem != null) {
      throw new IOException(name + ": record " + (index - 1) + ": " + spanProblem);
    }
    for (int t : tokens) {
      if (t < 0) {
        throw new IOException(name + ": record " + (index - 1) + " holds token id " + Integer.toUnsignedString(t));
      }
    }
  }

  private void finishTrailer(ByteBuffer head) throws IOException {
    ByteBuffer rest = read(ShardFormat.TRAILER_BYTES - 8, "trailer");
    long count = rest.getLong(0);
    if (count != index) {
      throw new IOException(name + ": trailer counts " + count + " records but the shard holds " + index);
    }
    if (in.read() != -1) {
      throw new IOException(name + ": bytes after the trailer");
    }
    ended = true;
    String actual = HexFormat.of().formatHex(in.getMessageDigest().digest());
    if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(actual)) {
      throw new IOException(name + ": SHA-256 " + actual + " differs from the manifest's " + expectedSha256);
    }
  }

  private ByteBuffer read(int size, String what) throws IOException {
    byte[] b = new byte[size];
    int done = 0;
    while (done < size) {
      int r = in.read(b, done, size - done);
      if (r < 0) {
        throw new IOException(name + ": truncated in the " + what + " (" + done + " of " + size
            + " bytes; no trailer: the shard is incomplete)", new EOFException());
      }
      done += r;
    }
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
