package org.lactspark.data.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShardFormatTest {
  private static final int L = 16;

  private static List<PackedSequence> sequences(int count, int maxId, long seed) {
    Random r = new Random(seed);
    Random answers = new Random(seed + 1000); // apart, so the tokens stay what they were before spans
    List<PackedSequence> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int n = 1 + r.nextInt(L);
      int[] t = new int[n];
      for (int j = 0; j < n; j++) {
        t[j] = maxId == Integer.MAX_VALUE ? r.nextInt(Integer.MAX_VALUE) : r.nextInt(maxId + 1);
      }
      t[0] = maxId; // the widest id every time
      int[] starts = r.ints(0, n).distinct().limit(Math.min(n, 1 + r.nextInt(3))).sorted().toArray();
      out.add(new PackedSequence(t, starts, spans(answers, n)));
    }
    return out;
  }

  /** Zero to two sorted, disjoint, non-empty spans inside {@code [0, n)}. */
  private static List<PackedSequence.Span> spans(Random r, int n) {
    int[] cuts = r.ints(0, n + 1).distinct().limit(Math.min(n + 1, 2 * r.nextInt(3))).sorted().toArray();
    List<PackedSequence.Span> spans = new ArrayList<>();
    for (int i = 0; i + 1 < cuts.length; i += 2) {
      spans.add(new PackedSequence.Span(cuts[i], cuts[i + 1]));
    }
    return spans;
  }

  private static byte[] write(List<PackedSequence> seqs, int tokenBytes, ShardWriter.Summary[] summary)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ShardWriter w = new ShardWriter(bytes, tokenBytes, L)) {
      for (PackedSequence s : seqs) {
        w.write(s);
      }
      summary[0] = w.finish();
    }
    return bytes.toByteArray();
  }

  private static List<PackedSequence> readAll(byte[] shard, String sha, long from) throws IOException {
    List<PackedSequence> out = new ArrayList<>();
    try (ShardReader r = new ShardReader("s", new ByteArrayInputStream(shard), sha, from)) {
      for (PackedSequence s = r.next(); s != null; s = r.next()) {
        out.add(s);
      }
      assertNull(r.next());
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void sequencesRoundTripAtEachTokenWidth(int width) throws IOException {
    int maxId = width == 1 ? 255 : width == 2 ? 65535 : Integer.MAX_VALUE;
    List<PackedSequence> seqs = sequences(50, maxId, width);
    ShardWriter.Summary[] sum = new ShardWriter.Summary[1];
    byte[] shard = write(seqs, width, sum);
    assertEquals(seqs, readAll(shard, sum[0].sha256(), 0));
    assertEquals(50, sum[0].records());
    assertEquals(seqs.stream().mapToLong(PackedSequence::length).sum(), sum[0].tokens());
    assertEquals(shard.length, sum[0].bytes());
  }

  @Test
  void theNarrowestWidthHoldsTheVocabulary() {
    assertEquals(1, ShardFormat.tokenBytesFor(256));
    assertEquals(2, ShardFormat.tokenBytesFor(257));
    assertEquals(2, ShardFormat.tokenBytesFor(65536));
    assertEquals(4, ShardFormat.tokenBytesFor(65537));
    assertThrows(IllegalArgumentException.class, () -> ShardFormat.tokenBytesFor(0));
  }

  @Test
  void aCursorResumesExactlyAtItsRecordAndStillChecksTheWholeFile() throws IOException {
    List<PackedSequence> seqs = sequences(30, 1000, 3);
    ShardWriter.Summary[] sum = new ShardWriter.Summary[1];
    byte[] shard = write(seqs, 2, sum);
    for (int from : new int[] {0, 1, 17, 29, 30}) {
      assertEquals(seqs.subList(from, 30), readAll(shard, sum[0].sha256(), from), "from " + from);
    }
    IOException past = assertThrows(IOException.class, () -> readAll(shard, null, 31));
    assertTrue(past.getMessage().contains("cursor at record 31 but the shard holds 30"), past.getMessage());
    shard[shard.length - 20] ^= 1; // inside the last record's tokens
    IOException bad = assertThrows(IOException.class, () -> readAll(shard, sum[0].sha256(), 25));
    assertTrue(bad.getMessage().contains("differs from the manifest"), bad.getMessage());
  }

  @Test
  void theSameSequencesGiveTheSameBytes() throws IOException {
    ShardWriter.Summary[] a = new ShardWriter.Summary[1];
    ShardWriter.Summary[] b = new ShardWriter.Summary[1];
    assertArrayEquals(write(sequences(20, 300, 9), 2, a), write(sequences(20, 300, 9), 2, b));
    assertEquals(a[0], b[0]);
  }

  @Test
  void aTruncatedOrUnfinishedShardNeverReadsAsComplete() throws IOException {
    List<PackedSequence> seqs = sequences(5, 200, 4);
    ShardWriter.Summary[] sum = new ShardWriter.Summary[1];
    byte[] shard = write(seqs, 1, sum);
    for (int cut : new int[] {3, ShardFormat.HEADER_BYTES, shard.length - ShardFormat.TRAILER_BYTES, shard.length - 1}) {
      byte[] part = Arrays.copyOf(shard, cut);
      IOException e = assertThrows(IOException.class, () -> readAll(part, null, 0), "cut at " + cut);
      assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }
    ByteArrayOutputStream unfinished = new ByteArrayOutputStream();
    try (ShardWriter w = new ShardWriter(unfinished, 1, L)) {
      w.write(seqs.get(0));
    }
    IOException e = assertThrows(IOException.class, () -> readAll(unfinished.toByteArray(), null, 0));
    assertTrue(e.getMessage().contains("no trailer"), e.getMessage());
  }

  @Test
  void aWrongHeaderTrailerOrTrailingBytesAreNamed() throws IOException {
    ShardWriter.Summary[] sum = new ShardWriter.Summary[1];
    byte[] shard = write(sequences(3, 9, 5), 1, sum);
    byte[] magic = shard.clone();
    magic[0] = 'X';
    assertTrue(assertThrows(IOException.class, () -> readAll(magic, null, 0)).getMessage().contains("not a shard"));
    byte[] version = shard.clone();
    version[4] = 1;
    assertTrue(assertThrows(IOException.class, () -> readAll(version, null, 0)).getMessage()
        .contains("s: shard format version 1, this reader reads version 2 only"));
    byte[] count = shard.clone();
    count[shard.length - 8] = 7;
    assertTrue(assertThrows(IOException.class, () -> readAll(count, null, 0)).getMessage()
        .contains("trailer counts 7 records but the shard holds 3"));
    byte[] extra = Arrays.copyOf(shard, shard.length + 1);
    assertTrue(assertThrows(IOException.class, () -> readAll(extra, null, 0)).getMessage()
        .contains("bytes after the trailer"));
  }

  @Test
  void badSequencesAreRefusedOnWriteNamingTheRecord() throws IOException {
    try (ShardWriter w = new ShardWriter(new ByteArrayOutputStream(), 1, L)) {
      w.write(new PackedSequence(new int[] {1, 2}, new int[] {0}));
      IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
          () -> w.write(new PackedSequence(new int[] {1, 256}, new int[] {0})));
      assertTrue(wide.getMessage().contains("record 1: token id 256 at 1"), wide.getMessage());
      assertThrows(IllegalArgumentException.class, () -> w.write(new PackedSequence(new int[L + 1], new int[0])));
      assertThrows(IllegalArgumentException.class, () -> w.write(new PackedSequence(new int[0], new int[0])));
      IllegalArgumentException starts = assertThrows(IllegalArgumentException.class,
          () -> w.write(new PackedSequence(new int[] {1, 2, 3}, new int[] {2, 1})));
      assertTrue(starts.getMessage().contains("must increase strictly"), starts.getMessage());
      assertThrows(IllegalArgumentException.class, () -> w.write(new PackedSequence(new int[] {1}, new int[] {1})));
      assertEquals(1, w.finish().records());
    }
  }

  @Test
  void answerSpansRoundTripAndSequencesWithoutThemHaveNone() throws IOException {
    List<PackedSequence.Span> spans = List.of(new PackedSequence.Span(0, 1), new PackedSequence.Span(3, 5),
        new PackedSequence.Span(5, 6));
    PackedSequence probe = new PackedSequence(new int[] {7, 8, 9, 10, 11, 12}, new int[] {0}, spans);
    PackedSequence plain = new PackedSequence(new int[] {1, 2}, new int[] {0});
    ShardWriter.Summary[] sum = new ShardWriter.Summary[1];
    byte[] shard = write(List.of(probe, plain), 1, sum);
    List<PackedSequence> back = readAll(shard, sum[0].sha256(), 0);
    assertEquals(List.of(probe, plain), back);
    assertEquals(spans, back.get(0).answerSpans());
    assertEquals(List.of(), back.get(1).answerSpans());
    assertEquals(ShardFormat.HEADER_BYTES + (12 + 4 + 3 * 8 + 6) + (12 + 4 + 2) + ShardFormat.TRAILER_BYTES,
        shard.length, "u32 n | u32 s | u32 a | starts | span pairs | tokens");
    assertTrue(probe.toString().contains("answers [[0, 1), [3, 5), [5, 6)]"), probe.toString());
    assertTrue(!probe.equals(new PackedSequence(probe.tokens(), probe.documentStarts())));
    assertEquals(plain, new PackedSequence(plain.tokens(), plain.documentStarts(), List.of()));
    assertEquals(plain.hashCode(), new PackedSequence(plain.tokens(), plain.documentStarts(), List.of()).hashCode());
  }

  @Test
  void badAnswerSpansAreRefusedOnWriteNamingTheRecordAndTheSpan() throws IOException {
    int[] t = {1, 2, 3, 4};
    try (ShardWriter w = new ShardWriter(new ByteArrayOutputStream(), 1, L)) {
      w.write(new PackedSequence(t, new int[] {0}, List.of(new PackedSequence.Span(1, 4))));
      assertEquals("record 1: answer span 1 [2, 5) must be a non-empty range within [0, 4)",
          badSpans(w, t, 0, 1, 2, 5));
      assertEquals("record 1: answer span 0 [2, 2) must be a non-empty range within [0, 4)", badSpans(w, t, 2, 2));
      assertEquals("record 1: answer span 0 [-1, 2) must be a non-empty range within [0, 4)", badSpans(w, t, -1, 2));
      assertEquals("record 1: answer span 0 [3, 1) must be a non-empty range within [0, 4)", badSpans(w, t, 3, 1));
      assertEquals("record 1: answer span 1 [1, 3) overlaps or precedes span 0 [0, 2) (spans must be sorted and "
          + "disjoint)", badSpans(w, t, 0, 2, 1, 3));
      assertTrue(badSpans(w, t, 2, 3, 0, 1).startsWith("record 1: answer span 1 [0, 1) overlaps or precedes"));
      assertEquals(1, w.finish().records());
    }
  }

  private static String badSpans(ShardWriter w, int[] tokens, int... bounds) {
    List<PackedSequence.Span> spans = new ArrayList<>();
    for (int i = 0; i < bounds.length; i += 2) {
      spans.add(new PackedSequence.Span(bounds[i], bounds[i + 1]));
    }
    return assertThrows(IllegalArgumentException.class,
        () -> w.write(new PackedSequence(tokens, new int[] {0}, spans))).getMessage();
  }

  @Test
  void corruptAnswerSpansAreRefusedOnReadNamingTheShardRecordAndSpan() throws IOException {
    PackedSequence ok = new PackedSequence(new int[] {5, 6, 7, 8}, new int[] {0}, List.of(
        new PackedSequence.Span(1, 2), new PackedSequence.Span(2, 4)));
    ShardWriter.Summary[] sum = new ShardWriter.Summary[1];
    byte[] shard = write(List.of(ok, ok), 1, sum);
    int second = ShardFormat.HEADER_BYTES + 12 + 4 + 16 + 4; // the second record
    int spans = second + 12 + 4; // its first span's start
    assertEquals("s: record 1: answer span 1 [2, 9) must be a non-empty range within [0, 4)",
        readError(patch(shard, spans + 12, 9)));
    assertEquals("s: record 1: answer span 0 [3, 2) must be a non-empty range within [0, 4)",
        readError(patch(shard, spans, 3)));
    assertEquals("s: record 1: answer span 1 [1, 4) overlaps or precedes span 0 [1, 2) (spans must be sorted and "
        + "disjoint)", readError(patch(shard, spans + 8, 1)));
    assertTrue(readError(patch(shard, spans, -1)).startsWith("s: record 1: answer span 0 [-1, 2)"));
    assertTrue(readError(patch(shard, second + 8, 5)).contains("record 1 claims 4 tokens, 1 document starts and 5 "
        + "answer spans"));
  }

  private static byte[] patch(byte[] shard, int at, int u32) {
    byte[] b = shard.clone();
    java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(at, u32);
    return b;
  }

  private static String readError(byte[] shard) {
    return assertThrows(IOException.class, () -> readAll(shard, null, 0)).getMessage();
  }
}
