package org.lactspark.data.source;

import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/** Opens an {@link InputFile} as a {@link DocumentReader} of its format, decompressing by suffix. */
public final class DocumentReaders {
  /**
   * A pure-Java zstd codec: Hadoop's own needs libhadoop, which a plain JVM lacks. Listed codecs
   * are added after the ones Hadoop finds itself, so this one takes the {@code .zst} suffix.
   */
  static final String ZSTD_CODEC = "io.airlift.compress.zstd.ZstdCodec";

  private DocumentReaders() {}

  /**
   * Opens {@code file}.
   *
   * @param textField the JSONL field or Parquet column of the text
   * @throws BadInputException if the file cannot be opened as its format says
   */
  public static DocumentReader open(InputFile file, Configuration conf, String textField) throws IOException {
    Path path = new Path(file.uri());
    String name = file.uri();
    if (file.format() == InputFormat.PARQUET) {
      return ParquetDocuments.open(path, name, conf, textField);
    }
    LineSource lines = new LineSource(openDecompressed(path, conf));
    return file.format() == InputFormat.JSONL ? new JsonlDocuments(lines, name, textField)
        : new TextDocuments(lines, name, file.format());
  }

  private static InputStream openDecompressed(Path path, Configuration conf) throws IOException {
    FileSystem fs = path.getFileSystem(conf);
    InputStream raw;
    try {
      raw = fs.open(path);
    } catch (IOException e) {
      throw new BadInputException(new BadInput(BadInput.UNREADABLE, path.toString(), "cannot be opened (" + e + ")"),
          true, e);
    }
    CompressionCodec codec = codecs(conf).getCodec(path);
    if (codec == null) {
      return raw;
    }
    try {
      return codec.createInputStream(raw);
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw new BadInputException(new BadInput(BadInput.UNREADABLE, path.toString(), "not a readable "
          + codec.getDefaultExtension() + " file (" + e + ")"), true, e);
    }
  }

  private static CompressionCodecFactory codecs(Configuration conf) {
    Configuration c = conf;
    String listed = conf.get("io.compression.codecs", "");
    if (!listed.contains(ZSTD_CODEC) && zstdAvailable()) {
      c = new Configuration(conf);
      c.set("io.compression.codecs", listed.isEmpty() ? ZSTD_CODEC : listed + "," + ZSTD_CODEC);
    }
    return new CompressionCodecFactory(c);
  }

  private static boolean zstdAvailable() {
    try {
      Class.forName(ZSTD_CODEC, false, DocumentReaders.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
