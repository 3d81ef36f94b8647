package org.lactspark.data.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetReaderTest {
  private static final int L = 8;
  private static final Manifest.Tokenizer BYTES = new Manifest.Tokenizer("byte", 256, "");

  @TempDir Path dir;

  private static PackedSequence seq(int seed) {
    int n = 1 + seed % L;
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = (seed * 31 + i * 7) % 256;
    }
    return new PackedSequence(t, new int[] {0});
  }

  private Manifest.Shard shard(String file, List<PackedSequence> seqs) throws IOException {
    try (OutputStream out = Files.newOutputStream(dir.resolve(file)); ShardWriter w = new ShardWriter(out, 1, L)) {
      for (PackedSequence s : seqs) {
        w.write(s);
      }
      ShardWriter.Summary s = w.finish();
      return new Manifest.Shard(file, s.records(), s.tokens(), s.bytes(), s.sha256());
    }
  }

  /** Two train shards (5 and 3 sequences) and one validation shard (2). */
  private Manifest dataset(List<PackedSequence> train, List<PackedSequence> validation) throws IOException {
    for (int i = 0; i < 8; i++) {
      train.add(seq(i));
    }
    validation.add(seq(100));
    validation.add(seq(101));
    Map<String, List<Manifest.Shard>> splits = new LinkedHashMap<>();
    splits.put("train", List.of(shard("train-00000.lseq", train.subList(0, 5)), shard("train-00001.lseq",
        train.subList(5, 8))));
    splits.put("validation", List.of(shard("validation-00000.lseq", validation)));
    Manifest m = new Manifest(ShardFormat.VERSION, Map.of("seed", "1", "sequenceLength", "8"), BYTES, L, 1, splits,
        new Manifest.Counts(10, 50, 10, 30));
    m.writeTo(dir);
    return m;
  }

  private static List<PackedSequence> drain(DatasetReader r) throws IOException {
    List<PackedSequence> out = new ArrayList<>();
    for (PackedSequence s = r.next(); s != null; s = r.next()) {
      out.add(s);
    }
    assertNull(r.next());
    return out;
  }

  @Test
  void eachSplitStreamsInOrderAcrossShards() throws IOException {
    List<PackedSequence> train = new ArrayList<>();
    List<PackedSequence> validation = new ArrayList<>();
    dataset(train, validation);
    try (DatasetReader r = DatasetReader.open(ShardSource.directory(dir), "train", DatasetReader.Cursor.START)) {
      assertEquals(train, drain(r));
      assertEquals(new DatasetReader.Cursor(2, 0), r.cursor());
    }
    try (DatasetReader r = DatasetReader.open(ShardSource.directory(dir), "validation", DatasetReader.Cursor.START)) {
      assertEquals(validation, drain(r));
    }
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
        () -> DatasetReader.open(ShardSource.directory(dir), "test", DatasetReader.Cursor.START));
    assertTrue(none.getMessage().contains("no split 'test'"), none.getMessage());
  }

  @Test
  void everyCursorResumesExactlyWhereReadingStopped() throws IOException {
    List<PackedSequence> train = new ArrayList<>();
    dataset(train, new ArrayList<>());
    for (int k = 0; k <= train.size(); k++) {
      DatasetReader.Cursor at;
      try (DatasetReader r = DatasetReader.open(ShardSource.directory(dir), "train", DatasetReader.Cursor.START)) {
        for (int i = 0; i < k; i++) {
          assertEquals(train.get(i), r.next());
        }
        at = r.cursor();
      }
      try (DatasetReader r = DatasetReader.open(ShardSource.directory(dir), "train", at)) {
        assertEquals(train.subList(k, train.size()), drain(r), "resumed at " + at);
      }
    }
    assertThrows(IllegalArgumentException.class,
        () -> DatasetReader.open(ShardSource.directory(dir), "train", new DatasetReader.Cursor(0, 6)));
  }

  @Test
  void aChangedShardOrAWrongRecordCountIsAnErrorNamingTheShard() throws IOException {
    Manifest m = dataset(new ArrayList<>(), new ArrayList<>());
    Path second = dir.resolve("train-00001.lseq");
    byte[] b = Files.readAllBytes(second);
    b[ShardFormat.HEADER_BYTES + 12] ^= 1;
    Files.write(second, b);
    IOException e = assertThrows(IOException.class,
        () -> drain(DatasetReader.open(ShardSource.directory(dir), "train", DatasetReader.Cursor.START)));
    assertTrue(e.getMessage().contains("train-00001.lseq") && e.getMessage().contains("SHA-256"), e.getMessage());

    Map<String, List<Manifest.Shard>> splits = new LinkedHashMap<>(m.splits());
    Manifest.Shard v = m.shards("validation").get(0);
    splits.put("validation", List.of(new Manifest.Shard(v.file(), 3, v.tokens(), v.bytes(), v.sha256())));
    new Manifest(m.formatVersion(), m.config(), m.tokenizer(), m.sequenceLength(), m.tokenBytes(), splits, m.counts())
        .writeTo(dir);
    IOException count = assertThrows(IOException.class,
        () -> drain(DatasetReader.open(ShardSource.directory(dir), "validation", DatasetReader.Cursor.START)));
    assertTrue(count.getMessage().contains("holds 2 records, the manifest says 3"), count.getMessage());
  }

  @Test
  void aDirectoryWithoutManifestIsNotADataset() throws IOException {
    Files.writeString(dir.resolve("train-00000.lseq"), "x");
    IOException e = assertThrows(IOException.class,
        () -> DatasetReader.open(ShardSource.directory(dir), "train", DatasetReader.Cursor.START));
    assertTrue(e.getMessage().contains("no manifest.json"), e.getMessage());
  }

  @Test
  void theManifestRoundTripsWritesLastAndRejectsNonsense() throws IOException {
    Manifest m = dataset(new ArrayList<>(), new ArrayList<>());
    byte[] json = Files.readAllBytes(dir.resolve(Manifest.FILE));
    assertEquals(m, Manifest.read(new ByteArrayInputStream(json), "m"));
    assertArrayEquals(json, m.toJson());
    try (var files = Files.list(dir)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".partial")));
    }
    IOException bad = assertThrows(IOException.class,
        () -> Manifest.read(new ByteArrayInputStream("{\"formatVersion\": 9}".getBytes(StandardCharsets.UTF_8)), "x.json"));
    assertTrue(bad.getMessage().startsWith("x.json: not a valid dataset manifest"), bad.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Manifest(ShardFormat.VERSION, Map.of(), BYTES, L, 2, Map.of(),
        new Manifest.Counts(0, 0, 0, 0)));
    IllegalArgumentException escape = assertThrows(IllegalArgumentException.class, () -> new Manifest(ShardFormat.VERSION, Map.of(),
        BYTES, L, 1, Map.of("train", List.of(new Manifest.Shard("../x.lseq", 1, 1, 1, "00"))),
        new Manifest.Counts(0, 0, 0, 0)));
    assertTrue(escape.getMessage().contains("plain name"), escape.getMessage());
  }
}
