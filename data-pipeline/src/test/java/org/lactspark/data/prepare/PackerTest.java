package org.lactspark.data.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.dataset.ShardReader;
import org.lactspark.data.dataset.ShardWriter;
import org.junit.jupiter.api.Test;

/**
 * The pack stage without Spark: documents sorted by key, cut into partitions the way the job's
 * range partitioner cuts them, counted, laid out, packed partition by partition, and assembled per
 * shard. The result must not depend on the number of partitions.
 */
class PackerTest {
  private static final int L = 16;

  record Doc(DocumentKey key, int split, int[] tokens) {}

  /** Random documents, some longer than a piece or a sequence, several pieces each. */
  static List<Doc> documents(int n, long seed) {
    Random r = new Random(seed);
    List<Doc> docs = new ArrayList<>();
    int next = 0;
    for (int i = 0; i < n; i++) {
      int len = 1 + (r.nextInt(5) == 0 ? r.nextInt(60) : r.nextInt(12));
      int[] t = new int[len];
      for (int j = 0; j < len; j++) {
        t[j] = next++ % 250;
      }
      docs.add(new Doc(new DocumentKey(r.nextLong(), 0, i, 0), r.nextInt(4) == 0 ? 1 : 0, t));
    }
    docs.sort((a, b) -> a.key().compareTo(b.key()));
    return docs;
  }

  /** A document's pieces of at most {@code piece} tokens, keyed. */
  static List<DocumentTokenizer.Keyed> pieces(Doc d, int piece) {
    List<DocumentTokenizer.Keyed> out = new ArrayList<>();
    for (int from = 0, i = 0; from < d.tokens().length; from += piece, i++) {
      int[] p = java.util.Arrays.copyOfRange(d.tokens(), from, Math.min(d.tokens().length, from + piece));
      DocumentKey k = d.key();
      out.add(new DocumentTokenizer.Keyed(new DocumentKey(k.order(), k.file(), k.ordinal(), i),
          new DocumentPiece(d.split(), p)));
    }
    return out;
  }

  /** Runs the pack stage over {@code partitions} range partitions; returns sequences per split. */
  static List<List<PackedSequence>> pack(List<Doc> docs, int partitions, boolean documentPacking, long perShard)
      throws IOException {
    SparkStages.OrderPartitioner cut = new SparkStages.OrderPartitioner(partitions);
    List<List<DocumentTokenizer.Keyed>> parts = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      parts.add(new ArrayList<>());
    }
    for (Doc d : docs) {
      for (DocumentTokenizer.Keyed k : pieces(d, 5)) {
        parts.get(cut.getPartition(k.key())).add(k);
      }
    }
    List<Packer.Counts> counts = new ArrayList<>();
    for (List<DocumentTokenizer.Keyed> part : parts) {
      Packer.Counter c = new Packer.Counter(L);
      part.forEach(k -> c.add(k.key(), k.piece()));
      counts.add(c.finish());
    }
    Layout layout = Layout.of(counts, L, documentPacking, perShard);
    TreeMap<Fragment.Key, Fragment> all = new TreeMap<>();
    for (int p = 0; p < partitions; p++) {
      Packer packer = new Packer(L, documentPacking, layout.starts()[p]);
      for (DocumentTokenizer.Keyed k : parts.get(p)) {
        packer.add(k.key(), k.piece()).forEach(f -> all.put(f.key(), f));
      }
      packer.finish().forEach(f -> all.put(f.key(), f));
    }
    List<List<PackedSequence>> bySplit = List.of(new ArrayList<>(), new ArrayList<>());
    for (int shard = 0; shard < layout.shardCount(); shard++) {
      int s = layout.splitOf(shard);
      final int sh = shard;
      List<Fragment> mine = all.values().stream().filter(f -> layout.shardOf(f.split(), f.sequence()) == sh).toList();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ShardWriter w = new ShardWriter(bytes, 1, L)) {
        ShardAssembler.write(mine.iterator(), w, layout.firstSequence(shard), layout.sequencesIn(shard),
            documentPacking ? 0 : L, layout.sequences()[s] - 1);
        w.finish();
      }
      try (ShardReader r = new ShardReader("shard " + shard, new ByteArrayInputStream(bytes.toByteArray()), null, 0)) {
        for (PackedSequence q = r.next(); q != null; q = r.next()) {
          bySplit.get(s).add(q);
        }
      }
    }
    return bySplit;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theResultDoesNotDependOnPartitioning(boolean documentPacking) throws IOException {
    List<Doc> docs = documents(300, 7);
    List<List<PackedSequence>> one = pack(docs, 1, documentPacking, 4);
    for (int partitions : new int[] {2, 3, 8}) {
      assertEquals(one, pack(docs, partitions, documentPacking, 4), partitions + " partitions");
      assertEquals(one, pack(docs, partitions, documentPacking, 1000), partitions + " partitions, one shard");
    }
  }

  @Test
  void concatPackingCutsEveryLTokensAndRecordsEveryDocumentStart() throws IOException {
    List<Doc> docs = documents(200, 3);
    List<List<PackedSequence>> packed = pack(docs, 3, false, 5);
    for (int s = 0; s < 2; s++) {
      final int split = s;
      List<Integer> stream = new ArrayList<>();
      List<Integer> starts = new ArrayList<>();
      for (Doc d : docs.stream().filter(d -> d.split() == split).toList()) {
        starts.add(stream.size());
        for (int t : d.tokens()) {
          stream.add(t);
        }
      }
      List<Integer> got = new ArrayList<>();
      List<Integer> gotStarts = new ArrayList<>();
      List<PackedSequence> seqs = packed.get(s);
      for (int i = 0; i < seqs.size(); i++) {
        PackedSequence q = seqs.get(i);
        assertTrue(i == seqs.size() - 1 ? q.length() <= L : q.length() == L, "sequence " + i + " " + q);
        for (int p : q.documentStarts()) {
          gotStarts.add(got.size() + p);
        }
        for (int t : q.tokens()) {
          got.add(t);
        }
      }
      assertEquals(stream, got, "split " + s + " tokens");
      assertEquals(starts, gotStarts, "split " + s + " document starts");
    }
  }

  @Test
  void documentPackingGivesEachDocumentItsOwnSequences() throws IOException {
    List<Doc> docs = documents(100, 5);
    List<PackedSequence> train = pack(docs, 2, true, 3).get(0);
    int i = 0;
    for (Doc d : docs.stream().filter(d -> d.split() == 0).toList()) {
      int n = d.tokens().length;
      for (int from = 0; from < n; from += L) {
        PackedSequence q = train.get(i++);
        assertArrayEquals(java.util.Arrays.copyOfRange(d.tokens(), from, Math.min(n, from + L)), q.tokens());
        assertArrayEquals(from == 0 ? new int[] {0} : new int[0], q.documentStarts());
      }
    }
    assertEquals(train.size(), i);
  }

  @Test
  void aMissingFragmentIsAnErrorNotAShortShard() {
    Fragment a = new Fragment(0, 0, 0, new int[L], new int[] {0});
    Fragment c = new Fragment(0, 2, 0, new int[L], new int[0]);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ShardAssembler.write(
        List.of(a, c).iterator(), new ShardWriter(new ByteArrayOutputStream(), 1, L), 0, 3, L, 2));
    assertTrue(e.getMessage().contains("sequence 2 where sequence 1 was expected"), e.getMessage());
  }
}
