package org.lactspark.data.source;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Documents of a Parquet file: each row's {@code column} (a top-level string column) is one
 * document; null and empty cells are not documents. Only that column is read.
 */
final class ParquetDocuments implements DocumentReader {
  private final String name;
  private final ParquetReader<Group> rows;
  private final PendingText pending = new PendingText();
  private long row;
  private long ordinal;
  private long blanks;
  private boolean ended;

  private ParquetDocuments(String name, ParquetReader<Group> rows) {
    this.name = name;
    this.rows = rows;
  }

  /**
   * Opens {@code path}, checking first that it has a string column {@code column}.
   *
   * @throws BadInputException if the file is unreadable or lacks the column
   */
  @SuppressWarnings("deprecation") // the Path builder is the one that takes a Configuration for the projection
  static ParquetDocuments open(Path path, String name, Configuration conf, String column) throws IOException {
    MessageType schema;
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf))) {
      schema = r.getFooter().getFileMetaData().getSchema();
    } catch (IOException | RuntimeException e) {
      throw new BadInputException(new BadInput(BadInput.UNREADABLE, name, "not a readable Parquet file (" + e + ")"),
          true, e);
    }
    if (!schema.containsField(column)) {
      throw new BadInputException(new BadInput(BadInput.NO_FIELD, name, "no column '" + column + "' (columns: "
          + String.join(", ", schema.getFields().stream().map(Type::getName).toList()) + ")"), true, null);
    }
    Type t = schema.getType(column);
    if (!t.isPrimitive() || t.asPrimitiveType().getPrimitiveTypeName() != PrimitiveType.PrimitiveTypeName.BINARY
        || t.isRepetition(Type.Repetition.REPEATED)) {
      throw new BadInputException(new BadInput(BadInput.NOT_TEXT, name, "column '" + column + "' is "
          + t.toString().trim().toLowerCase(Locale.ROOT) + ", not a string"), true, null);
    }
    Configuration projected = new Configuration(conf);
    projected.set(ReadSupport.PARQUET_READ_SCHEMA, new MessageType(schema.getName(), t).toString());
    return new ParquetDocuments(name, ParquetReader.builder(new GroupReadSupport(), path).withConf(projected).build());
  }

  @Override
  public TextChunk next() throws IOException {
    while (pending.isEmpty()) {
      if (ended) {
        return null;
      }
      Group g = read();
      if (g == null) {
        ended = true;
        return null;
      }
      row++;
      if (g.getFieldRepetitionCount(0) == 0) {
        blanks++;
        continue;
      }
      String text = PendingText.clean(decode(g.getBinary(0, 0)));
      if (text.isEmpty()) {
        blanks++;
        continue;
      }
      pending.set(text, name + " row " + row, ordinal++);
    }
    return pending.next();
  }

  private Group read() throws IOException {
    try {
      return rows.read();
    } catch (IOException | RuntimeException e) {
      ended = true;
      throw new BadInputException(new BadInput(BadInput.UNREADABLE, name + " row " + (row + 1), "the read failed ("
          + e + "): a truncated or corrupt file; the rows before are kept"), true, e);
    }
  }

  private String decode(Binary b) throws BadInputException {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(b.toByteBuffer()).toString();
    } catch (CharacterCodingException e) {
      throw new BadInputException(new BadInput(BadInput.NOT_UTF8, name + " row " + row, "bytes that are not UTF-8"),
          false, e);
    }
  }

  @Override
  public long blanksSkipped() {
    return blanks;
  }

  @Override
  public void close() throws IOException {
    rows.close();
  }
}
