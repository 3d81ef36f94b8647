package org.lactspark.data.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.BZip2Codec;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentReadersTest {
  private static final Configuration CONF = new Configuration();

  @TempDir
  Path dir;

  /** Documents and problems of a file read with the skip policy. */
  record Read(List<String> docs, List<BadInput> problems, List<String> locations, long blanks) {}

  static Read readAll(InputFile f, String field) throws IOException {
    List<String> docs = new ArrayList<>();
    List<String> locations = new ArrayList<>();
    List<BadInput> problems = new ArrayList<>();
    StringBuilder doc = new StringBuilder();
    DocumentReader r;
    try {
      r = DocumentReaders.open(f, CONF, field);
    } catch (BadInputException e) {
      return new Read(docs, List.of(e.problem()), locations, 0);
    }
    try (r) {
      while (true) {
        TextChunk c;
        try {
          c = r.next();
        } catch (BadInputException e) {
          problems.add(e.problem());
          doc.setLength(0);
          if (e.endsFile()) {
            break;
          }
          continue;
        }
        if (c == null) {
          break;
        }
        if (c.first()) {
          doc.setLength(0);
          locations.add(c.location());
        }
        assertTrue(c.text().length() <= TextDocuments.CHUNK_CHARS + LineSource.MAX_PIECE_BYTES);
        doc.append(c.text());
        if (c.last()) {
          docs.add(doc.toString());
        }
      }
      return new Read(docs, problems, locations, r.blanksSkipped());
    }
  }

  private InputFile file(String name, byte[] bytes, String format) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return new InputFile(0, p.toUri().toString(), bytes.length, InputFormat.resolve(format, name));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void formatsResolveByNameThroughCompressionSuffixes() {
    assertEquals(InputFormat.JSONL, InputFormat.resolve("auto", "a.jsonl.gz"));
    assertEquals(InputFormat.PARQUET, InputFormat.resolve("auto", "part-0.parquet"));
    assertEquals(InputFormat.TEXT, InputFormat.resolve("auto", "book.txt.zst"));
    assertEquals(InputFormat.LINES, InputFormat.resolve("lines", "x.jsonl"));
  }

  @Test
  void linesParagraphsAndWholeFiles() throws IOException {
    String text = "\uFEFFfirst line\r\nsecond\r\n\r\n  \r\nthird \u00e9\r\n";
    Read lines = readAll(file("a.txt", utf8(text), "lines"), "text");
    assertEquals(List.of("first line", "second", "third \u00e9"), lines.docs());
    assertEquals(2, lines.blanks());
    assertTrue(lines.locations().get(2).endsWith("a.txt line 5"), lines.locations().toString());
    Read paragraphs = readAll(file("b.txt", utf8(text), "paragraphs"), "text");
    assertEquals(List.of("first line\nsecond", "third \u00e9"), paragraphs.docs());
    Read whole = readAll(file("c.txt", utf8("\n\n" + text + "\n\n"), "text"), "text");
    assertEquals(List.of("first line\nsecond\n\n\nthird \u00e9"), whole.docs());
    assertTrue(whole.problems().isEmpty());
  }

  @Test
  void aLineOfManyMegabytesStreamsInBoundedChunks() throws IOException {
    StringBuilder b = new StringBuilder();
    String unit = "abc\u00e9\u20ac\uD83D\uDE00 ";
    while (b.length() < 3_500_000) {
      b.append(unit);
    }
    String huge = b.toString();
    Read r = readAll(file("huge.txt", utf8("short\n" + huge + "\r\nend"), "lines"), "text");
    assertEquals(List.of("short", huge, "end"), r.docs());
    Read whole = readAll(file("huge2.txt", utf8(huge), "text"), "text");
    assertEquals(List.of(huge), whole.docs());
  }

  @Test
  void bytesThatAreNotUtf8AreReportedWithTheirLineAndTheRestGoesOn() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(utf8("good\nbad "));
    bytes.write(new byte[] {(byte) 0xC3, (byte) 0x28});
    bytes.write(utf8(" line\nalso good\n"));
    Read r = readAll(file("bad.txt", bytes.toByteArray(), "lines"), "text");
    assertEquals(List.of("good", "also good"), r.docs());
    assertEquals(1, r.problems().size());
    BadInput p = r.problems().get(0);
    assertEquals(BadInput.NOT_UTF8, p.kind());
    assertTrue(p.location().endsWith("bad.txt line 2"), p.location());
    assertTrue(p.detail().contains("byte 4"), p.detail());
    Read whole = readAll(file("bad2.txt", bytes.toByteArray(), "text"), "text");
    assertEquals(List.of(), whole.docs());
    assertEquals(BadInput.NOT_UTF8, whole.problems().get(0).kind());
  }

  @Test
  void emptyFilesAreBadInput() throws IOException {
    for (String format : List.of("text", "lines", "paragraphs", "jsonl")) {
      Read r = readAll(file("empty-" + format, utf8("\uFEFF\n \n"), format), "text");
      assertEquals(List.of(), r.docs());
      assertEquals(BadInput.EMPTY_FILE, r.problems().get(0).kind(), format);
    }
  }

  @Test
  void compressedInputsReadAndTruncatedOnesAreReported() throws IOException {
    String text = "one\ntwo\nthree\n".repeat(2000);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (OutputStream o = new GZIPOutputStream(gz)) {
      o.write(utf8(text));
    }
    assertEquals(6000, readAll(file("t.txt.gz", gz.toByteArray(), "lines"), "text").docs().size());
    assertEquals(6000, readAll(file("t.txt.bz2", compress(new BZip2Codec(), text), "lines"), "text").docs().size());
    assertEquals(6000, readAll(file("t.txt.zst", compress(zstd(), text), "lines"), "text").docs().size());
    byte[] cut = Arrays.copyOf(gz.toByteArray(), gz.size() / 2);
    Read r = readAll(file("cut.txt.gz", cut, "lines"), "text");
    assertTrue(r.docs().size() < 6000);
    assertEquals(1, r.problems().size());
    assertEquals(BadInput.UNREADABLE, r.problems().get(0).kind());
    assertTrue(r.problems().get(0).location().contains("cut.txt.gz line"), r.problems().toString());
  }

  private static CompressionCodec zstd() {
    try {
      return (CompressionCodec) Class.forName(DocumentReaders.ZSTD_CODEC).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] compress(CompressionCodec codec, String text) throws IOException {
    if (codec instanceof org.apache.hadoop.conf.Configurable c) {
      c.setConf(CONF);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream o = codec.createOutputStream(out)) {
      o.write(utf8(text));
    }
    return out.toByteArray();
  }

  @Test
  void jsonlRecordsAndTheirProblems() throws IOException {
    String jsonl = String.join("\n",
        "{\"text\": \"hello\\r\\nworld\", \"id\": 1}",
        "",
        "{\"text\": \"\"}",
        "not json",
        "[1, 2]",
        "{\"body\": \"x\"}",
        "{\"text\": 42}",
        "{\"text\": \"\\ufeffbye\"}") + "\n";
    Read r = readAll(file("d.jsonl", utf8(jsonl), "auto"), "text");
    assertEquals(List.of("hello\nworld", "bye"), r.docs());
    assertEquals(List.of(BadInput.NOT_JSON, BadInput.NOT_JSON, BadInput.NO_FIELD, BadInput.NOT_TEXT),
        r.problems().stream().map(BadInput::kind).toList());
    assertTrue(r.problems().get(0).location().endsWith("d.jsonl line 4"), r.problems().toString());
    assertTrue(r.problems().get(2).detail().contains("no field 'text' (fields: body)"), r.problems().toString());
    assertEquals(2, r.blanks());
  }

  @Test
  void parquetColumnsAndTheirProblems() throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType(
        "message doc { optional binary text (UTF8); required int32 id; }");
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dir.resolve("d.parquet").toUri());
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(p).withType(schema).withConf(CONF).build()) {
      SimpleGroupFactory g = new SimpleGroupFactory(schema);
      w.write(g.newGroup().append("text", "first\r\ndoc").append("id", 1));
      w.write(g.newGroup().append("id", 2));
      w.write(g.newGroup().append("text", "third").append("id", 3));
    }
    InputFile f = new InputFile(0, p.toString(), Files.size(dir.resolve("d.parquet")), InputFormat.PARQUET);
    Read r = readAll(f, "text");
    assertEquals(List.of("first\ndoc", "third"), r.docs());
    assertEquals(1, r.blanks());
    assertTrue(r.locations().get(1).endsWith("row 3"), r.locations().toString());
    Read missing = readAll(f, "body");
    assertEquals(BadInput.NO_FIELD, missing.problems().get(0).kind());
    assertTrue(missing.problems().get(0).detail().contains("columns: text, id"), missing.problems().toString());
    assertEquals(BadInput.NOT_TEXT, readAll(f, "id").problems().get(0).kind());
    Read garbage = readAll(file("junk.parquet", utf8("not parquet at all"), "auto"), "text");
    assertEquals(BadInput.UNREADABLE, garbage.problems().get(0).kind());
  }

  @Test
  void listingExpandsGlobsAndDirectoriesInOrderAndNamesAnInputThatMatchesNothing() throws IOException {
    Files.createDirectories(dir.resolve("in/sub"));
    for (String n : List.of("in/b.txt", "in/a.jsonl", "in/sub/c.txt", "in/_SUCCESS", "in/.hidden", "x.txt")) {
      Files.writeString(dir.resolve(n), "t");
    }
    List<InputFile> files = InputListing.list(List.of(dir.resolve("in").toString(), dir + "/*.txt",
        dir.resolve("in/b.txt").toString()), "auto", CONF);
    assertEquals(List.of("a.jsonl", "b.txt", "c.txt", "x.txt"),
        files.stream().map(f -> f.uri().substring(f.uri().lastIndexOf('/') + 1)).toList());
    assertEquals(InputFormat.JSONL, files.get(0).format());
    assertEquals(List.of(0, 1, 2, 3), files.stream().map(InputFile::index).toList());
    FileNotFoundException e = assertThrows(FileNotFoundException.class,
        () -> InputListing.list(List.of(dir + "/nothing/*.txt"), "auto", CONF));
    assertTrue(e.getMessage().contains("nothing/*.txt' matches no file"));
    assertFalse(files.isEmpty());
  }
}
