package org.lactspark.data.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lactspark.conf.PrepareConfig;
import org.lactspark.conf.load.PrepareConfigLoader;
import org.lactspark.data.dataset.DatasetReader;
import org.lactspark.data.dataset.Manifest;
import org.lactspark.data.dataset.PackedSequence;
import org.lactspark.data.dataset.ShardSource;
import org.lactspark.data.source.BadInput;

/** The prepare job end to end on Spark local[2]. */
class PrepareJobTest {
  private static JavaSparkContext sc;

  @TempDir
  static Path tmp;

  private static Path corpus;
  private static List<String> expectedDocs;

  @BeforeAll
  static void start() throws IOException {
    sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("prepare test")
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false"));
    sc.setLogLevel("WARN");
    corpus = Files.createDirectories(tmp.resolve("corpus"));
    expectedDocs = writeCorpus(corpus);
  }

  @AfterAll
  static void stop() {
    sc.close();
  }

  /** Paragraph files, one with a BOM and CRLF, one gzipped, one with a line of 1.5 MB; returns the documents. */
  private static List<String> writeCorpus(Path dir) throws IOException {
    Random r = new Random(11);
    List<String> docs = new ArrayList<>();
    for (int f = 0; f < 4; f++) {
      StringBuilder file = new StringBuilder(f == 1 ? "\uFEFF" : "");
      for (int p = 0; p < 60; p++) {
        String doc = paragraph(r, f, p);
        docs.add(doc);
        file.append(doc).append("\n\n");
      }
      String text = f == 1 ? file.toString().replace("\n", "\r\n") : file.toString();
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      if (f == 2) {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(gz)) {
          o.write(bytes);
        }
        Files.write(dir.resolve("part-" + f + ".txt.gz"), gz.toByteArray());
      } else {
        Files.write(dir.resolve("part-" + f + ".txt"), bytes);
      }
    }
    String huge = "word\u00e9 ".repeat(250_000).trim();
    docs.add(huge);
    Files.writeString(dir.resolve("part-9-huge.txt"), "\n" + huge + "\n", StandardCharsets.UTF_8);
    return docs;
  }

  private static String paragraph(Random r, int f, int p) {
    StringBuilder b = new StringBuilder("File " + f + " paragraph " + p + ":");
    int lines = 1 + r.nextInt(4);
    for (int i = 0; i < lines; i++) {
      b.append(i == 0 ? " " : "\n").append("line ").append(i).append(" \u2014 ").append(Long.toHexString(r.nextLong()))
          .append(" x".repeat(r.nextInt(40)));
    }
    return b.toString();
  }

  private static PrepareConfig config(String... sets) throws IOException {
    List<String> o = new ArrayList<>(List.of("inputs=" + corpus.toUri(), "inputFormat=paragraphs",
        "sequenceLength=256", "shardMiB=1", "validationFraction=0.2", "seed=5"));
    o.addAll(List.of(sets));
    return PrepareConfigLoader.load(null, o);
  }

  private static PrepareResult prepare(PrepareConfig c, Path out, boolean overwrite) throws IOException {
    return new PrepareJob(c, PrepareJob.tokenizerFor(c, sc.hadoopConfiguration())).run(sc, out.toString(), overwrite,
        p -> { }, 60);
  }

  private static List<PackedSequence> read(Path dataset, String split, DatasetReader.Cursor from) throws IOException {
    List<PackedSequence> out = new ArrayList<>();
    try (DatasetReader r = DatasetReader.open(ShardSource.directory(dataset), split, from)) {
      for (PackedSequence s = r.next(); s != null; s = r.next()) {
        out.add(s);
      }
    }
    return out;
  }

  /** The documents of a concat-packed split: its token stream cut at the document starts. */
  private static List<String> documentsOf(List<PackedSequence> seqs) {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    List<Integer> starts = new ArrayList<>();
    for (PackedSequence s : seqs) {
      for (int p : s.documentStarts()) {
        starts.add(stream.size() + p);
      }
      for (int t : s.tokens()) {
        stream.write(t);
      }
    }
    byte[] all = stream.toByteArray();
    List<String> docs = new ArrayList<>();
    for (int i = 0; i < starts.size(); i++) {
      int end = i + 1 < starts.size() ? starts.get(i + 1) : all.length;
      docs.add(new String(all, starts.get(i), end - starts.get(i), StandardCharsets.UTF_8));
    }
    return docs;
  }

  private static Map<String, byte[]> files(Path dir) throws IOException {
    Map<String, byte[]> m = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        m.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    }
    return m;
  }

  @Test
  void preparesEveryDocumentOnceWithItsBoundariesAndCounts() throws IOException {
    Path out = tmp.resolve("ds-counts");
    PrepareResult r = prepare(config("partitions=2"), out, false);
    Manifest m = r.manifest();
    long bytes = expectedDocs.stream().mapToLong(d -> d.getBytes(StandardCharsets.UTF_8).length).sum();
    assertEquals(expectedDocs.size(), m.counts().documents());
    assertEquals(bytes, m.counts().tokens());
    assertEquals(0, r.badInput().total());
    List<String> got = new ArrayList<>(documentsOf(read(out, "train", DatasetReader.Cursor.START)));
    List<String> validation = documentsOf(read(out, "validation", DatasetReader.Cursor.START));
    assertFalse(validation.isEmpty());
    assertTrue(validation.size() < got.size());
    got.addAll(validation);
    List<String> want = new ArrayList<>(expectedDocs);
    got.sort(null);
    want.sort(null);
    assertEquals(want, got, "every document exactly once, without BOM or carriage returns");
    assertTrue(m.splits().get("train").size() > 1, "several shards: " + m.splits());
    assertEquals("paragraphs", m.config().get("inputFormat"));
    assertEquals("command line", m.configSources().get("inputFormat"));
    assertFalse(m.config().containsKey("partitions"));
    assertEquals(m.counts().sequences() * 256 - m.counts().tokens(), m.counts().paddingTokens());
    assertEquals(List.of(), files(out).keySet().stream().filter(n -> n.startsWith("_")).toList());
  }

  @Test
  void sameInputsAndConfigGiveIdenticalBytesWhateverThePartitioning() throws IOException {
    Path a = tmp.resolve("ds-a");
    Path b = tmp.resolve("ds-b");
    prepare(config("partitions=1"), a, false);
    prepare(config("partitions=3"), b, false);
    Map<String, byte[]> fa = files(a);
    Map<String, byte[]> fb = files(b);
    assertEquals(fa.keySet(), fb.keySet());
    for (String n : fa.keySet()) {
      assertArrayEquals(fa.get(n), fb.get(n), n);
    }
    Path c = tmp.resolve("ds-c");
    prepare(config("partitions=2", "seed=6"), c, false);
    assertFalse(Arrays.equals(fa.get("train-00000.lseq"), files(c).get("train-00000.lseq")),
        "another seed shuffles differently");
  }

  @Test
  void readingResumesExactlyFromACursorAndChecksumsAreChecked() throws IOException {
    Path out = tmp.resolve("ds-resume");
    prepare(config(), out, false);
    List<PackedSequence> all = read(out, "train", DatasetReader.Cursor.START);
    for (int k : new int[] {1, all.size() / 2, all.size() - 1}) {
      DatasetReader.Cursor at;
      List<PackedSequence> head = new ArrayList<>();
      try (DatasetReader r = DatasetReader.open(ShardSource.directory(out), "train", DatasetReader.Cursor.START)) {
        for (int i = 0; i < k; i++) {
          head.add(r.next());
        }
        at = r.cursor();
      }
      head.addAll(read(out, "train", at));
      assertEquals(all, head, "resumed after " + k);
    }
    List<Manifest.Shard> listed = Manifest.read(Files.newInputStream(out.resolve(Manifest.FILE)), "m").shards("train");
    assertTrue(listed.size() >= 2, "shards: " + listed);
    int n0 = (int) listed.get(0).records();
    int n1 = (int) listed.get(1).records();
    List<PackedSequence> reversed = new ArrayList<>();
    try (DatasetReader r = DatasetReader.open(ShardSource.directory(out), "train", List.of(1, 0),
        DatasetReader.Cursor.START)) {
      for (PackedSequence q = r.next(); q != null; q = r.next()) {
        reversed.add(q);
      }
    }
    List<PackedSequence> want = new ArrayList<>(all.subList(n0, n0 + n1));
    want.addAll(all.subList(0, n0));
    assertEquals(want, reversed, "shards 1 then 0");
    List<PackedSequence> tail = new ArrayList<>();
    try (DatasetReader r = DatasetReader.open(ShardSource.directory(out), "train", List.of(1, 0),
        new DatasetReader.Cursor(1, 3))) {
      for (PackedSequence q = r.next(); q != null; q = r.next()) {
        tail.add(q);
      }
    }
    assertEquals(all.subList(3, n0), tail, "the cursor counts positions in the subset");
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> DatasetReader.open(
        ShardSource.directory(out), "train", List.of(0, 0), DatasetReader.Cursor.START));
    assertTrue(bad.getMessage().contains("shard 0 is listed twice"), bad.getMessage());
    Path shard = out.resolve("train-00001.lseq");
    byte[] bytes = Files.readAllBytes(shard);
    bytes[bytes.length / 2] ^= 1;
    Files.write(shard, bytes);
    IOException e = assertThrows(IOException.class, () -> read(out, "train", DatasetReader.Cursor.START));
    assertTrue(e.getMessage().contains("train-00001.lseq"), e.getMessage());
  }

  @Test
  void documentPackingPadsEachDocumentAlone() throws IOException {
    Path out = tmp.resolve("ds-doc");
    PrepareResult r = prepare(config("packing=document"), out, false);
    for (PackedSequence s : read(out, "train", DatasetReader.Cursor.START)) {
      assertTrue(s.documentStarts().length <= 1 && (s.documentStarts().length == 0 || s.documentStarts()[0] == 0));
    }
    long sequences = 0;
    long tokens = 0;
    for (String d : expectedDocs) {
      int n = d.getBytes(StandardCharsets.UTF_8).length;
      sequences += (n + 255) / 256;
      tokens += n;
    }
    assertEquals(sequences, r.manifest().counts().sequences());
    assertEquals(sequences * 256 - tokens, r.manifest().counts().paddingTokens());
  }

  @Test
  void anOutputThatHoldsADatasetIsNotOverwrittenUnlessAsked() throws IOException {
    Path out = tmp.resolve("ds-twice");
    prepare(config(), out, false);
    byte[] manifest = Files.readAllBytes(out.resolve(Manifest.FILE));
    IOException e = assertThrows(IOException.class, () -> prepare(config("seed=9"), out, false));
    assertTrue(e.getMessage().contains("already holds a dataset"), e.getMessage());
    assertArrayEquals(manifest, Files.readAllBytes(out.resolve(Manifest.FILE)));
    prepare(config("seed=9"), out, true);
    assertFalse(Arrays.equals(manifest, Files.readAllBytes(out.resolve(Manifest.FILE))));
  }

  @Test
  void badInputFailsWithItsLocationAndLeavesNoDataset() throws IOException {
    Path bad = Files.createDirectories(tmp.resolve("bad"));
    Files.writeString(bad.resolve("a.jsonl"), "{\"text\": \"fine\"}\n{\"text\": 3}\nnot json\n{\"text\": \"ok\"}\n");
    Files.write(bad.resolve("b.txt"), new byte[0]);
    Files.write(bad.resolve("c.txt"), new byte[] {'h', 'i', (byte) 0xFF, '\n'});
    Files.writeString(bad.resolve("d.txt"), "a good document\n");
    Path out = tmp.resolve("ds-bad");
    PrepareConfig fail = PrepareConfigLoader.load(null, List.of("inputs=" + bad.toUri(), "sequenceLength=64"));
    Exception e = assertThrows(Exception.class, () -> prepare(fail, out, false));
    BadInputFailure f = cause(e);
    assertTrue(f.getMessage().contains("onBadInput=skip"), f.getMessage());
    assertFalse(Files.exists(out.resolve(Manifest.FILE)));
    try (Stream<Path> left = Files.list(out)) {
      assertEquals(0, left.count(), "a failed run leaves nothing behind");
    }
    PrepareConfig skip = PrepareConfigLoader.load(null, List.of("inputs=" + bad.toUri(), "sequenceLength=64",
        "onBadInput=skip"));
    PrepareResult r = prepare(skip, out, false);
    assertEquals(3, r.manifest().counts().documents());
    assertEquals(Map.of(BadInput.NOT_TEXT, 1L, BadInput.NOT_JSON, 1L, BadInput.EMPTY_FILE, 1L, BadInput.NOT_UTF8, 1L),
        r.badInput().counts());
    assertTrue(r.badInput().examples().get(0).location().endsWith("a.jsonl line 2"), r.badInput().toString());
    assertEquals(1L, r.manifest().skipped().get(BadInput.NOT_UTF8));
  }

  private static BadInputFailure cause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BadInputFailure b) {
        return b;
      }
    }
    throw new AssertionError("no BadInputFailure in " + e, e);
  }

  @Test
  void aTokenizerJsonTokenisesAndIsRecordedWithItsChecksum() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("hf"));
    Files.writeString(dir.resolve("t.txt"), "hello world\n\nthe quick brown fox\n");
    Path tok = Path.of(getClass().getResource("/tokenize/llama-bpe.json").toURI());
    PrepareConfig c = PrepareConfigLoader.load(null, List.of("inputs=" + dir.toUri(), "inputFormat=paragraphs",
        "tokenizer=" + tok, "bos=true", "validationFraction=0", "sequenceLength=64"));
    org.lactspark.data.tokenize.TokenizerSpec spec = PrepareJob.tokenizerFor(c, sc.hadoopConfiguration());
    Path out = tmp.resolve("ds-hf");
    PrepareResult r = new PrepareJob(c, spec).run(sc, out.toString(), false, p -> { }, 60);
    Manifest m = r.manifest();
    assertEquals("hf:llama-bpe", m.tokenizer().name());
    assertEquals(spec.sha256(), m.tokenizer().sha256());
    assertEquals(64, m.tokenizer().sha256().length());
    org.lactspark.data.tokenize.Tokenizer t = spec.open();
    assertEquals(1, m.splits().get("train").size());
    PackedSequence q = read(out, "train", DatasetReader.Cursor.START).get(0);
    int[] all = q.tokens();
    int second = q.documentStarts()[1];
    List<String> docs = new ArrayList<>(List.of(
        Arrays.toString(Arrays.copyOfRange(all, 0, second)), Arrays.toString(Arrays.copyOfRange(all, second, all.length))));
    List<String> want = new ArrayList<>();
    for (String d : List.of("hello world", "the quick brown fox")) {
      int[] ids = t.encode(d);
      int[] withBos = new int[ids.length + 1];
      withBos[0] = t.bosId();
      System.arraycopy(ids, 0, withBos, 1, ids.length);
      want.add(Arrays.toString(withBos));
    }
    docs.sort(null);
    want.sort(null);
    assertEquals(want, docs, "each document is its own encoding after one BOS");
    assertEquals(2, Arrays.stream(all).filter(id -> id == t.bosId()).count(), "one BOS per document");
  }

  @Test
  void anInputThatMatchesNothingIsNamedBeforeAnyJob() {
    IOException e = assertThrows(IOException.class, () -> prepare(PrepareConfigLoader.load(null,
        List.of("inputs=" + tmp.resolve("nowhere") + "/*.txt")), tmp.resolve("ds-none"), false));
    assertTrue(e.getMessage().contains("nowhere/*.txt' matches no file"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("ds-none")));
  }
}
