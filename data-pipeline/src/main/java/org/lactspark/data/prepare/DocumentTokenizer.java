package org.lactspark.data.prepare;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.lactspark.conf.PrepareConfig;
import org.lactspark.data.source.BadInputException;
import org.lactspark.data.source.DocumentReader;
import org.lactspark.data.source.InputFile;
import org.lactspark.data.source.TextChunk;
import org.lactspark.data.tokenize.Tokenizer;

/**
 * The first stage's work on one input file: reads its documents, tokenises them (with the
 * configured BOS/EOS), assigns each its split and shuffle order from its content hash, and hands
 * on its tokens in pieces of at most {@link #PIECE_TOKENS}, keyed for the global sort. A document
 * is handed on only once it has been read to its end, so bad input anywhere in it drops all of it.
 * Bad input fails the stage ({@link BadInputFailure}) or, with {@code onBadInput=skip}, is left out
 * and reported to the {@link Tally}.
 */
final class DocumentTokenizer implements Iterator<DocumentTokenizer.Keyed>, Closeable {
  /** The most tokens in one piece of a document (one shuffle record). */
  static final int PIECE_TOKENS = 1 << 20;
  /** How far back from a chunk's end a cut between words is looked for (characters). */
  private static final int WORD_CUT_WINDOW = 4096;

  /** A piece with its sort key. */
  record Keyed(DocumentKey key, DocumentPiece piece) {}

  private final InputFile file;
  private final DocumentReader reader;
  private final Tokenizer tokenizer;
  private final PrepareConfig config;
  private final Tally tally;
  private final DocumentHash hash = new DocumentHash();
  private final TokenBuffer tokens;
  private Iterator<int[]> pieces;
  private DocumentKey docKey;
  private int split;
  private int piece;
  private boolean done;

  DocumentTokenizer(InputFile file, DocumentReader reader, Tokenizer tokenizer, PrepareConfig config, Tally tally) {
    this(file, reader, tokenizer, config, tally, new TokenBuffer());
  }

  DocumentTokenizer(InputFile file, DocumentReader reader, Tokenizer tokenizer, PrepareConfig config, Tally tally,
      TokenBuffer tokens) {
    this.file = file;
    this.reader = reader;
    this.tokenizer = tokenizer;
    this.config = config;
    this.tally = tally;
    this.tokens = tokens;
  }

  @Override
  public boolean hasNext() {
    try {
      while ((pieces == null || !pieces.hasNext()) && !done) {
        readDocument();
      }
      return pieces != null && pieces.hasNext();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Keyed next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    DocumentKey k = new DocumentKey(docKey.order(), docKey.file(), docKey.ordinal(), piece++);
    return new Keyed(k, new DocumentPiece(split, pieces.next()));
  }

  /** Reads the next whole document into the buffer, or ends the file. */
  private void readDocument() throws IOException {
    tokens.clear();
    pieces = null;
    hash.reset();
    String carry = "";
    long chars = 0;
    while (true) {
      TextChunk c;
      try {
        c = reader.next();
      } catch (BadInputException e) {
        tokens.clear();
        if (!config.skipBadInput()) {
          throw new BadInputFailure(e.problem(), e);
        }
        tally.problem(file.index(), e.problem());
        if (e.endsFile()) {
          finishFile();
        }
        return;
      }
      if (c == null) {
        finishFile();
        return;
      }
      if (c.first() && tokenizer.bosId() >= 0) {
        tokens.add(tokenizer.bosId());
      }
      hash.add(c.text());
      chars += c.text().length();
      String text = carry + c.text();
      int cut = c.last() ? text.length() : wordCut(text);
      tokens.addAll(tokenizer.encode(text.substring(0, cut)));
      carry = text.substring(cut);
      if (c.last()) {
        endDocument(c, chars);
        return;
      }
    }
  }

  /**
   * Where to cut a chunk that the document continues after: before the last whitespace near its
   * end, so a subword tokenizer does not see a word torn in two; anywhere if there is none.
   */
  private static int wordCut(String text) {
    for (int i = text.length() - 1; i >= Math.max(1, text.length() - WORD_CUT_WINDOW); i--) {
      if (Character.isWhitespace(text.charAt(i)) && !Character.isLowSurrogate(text.charAt(i))) {
        return i;
      }
    }
    int cut = text.length();
    return cut > 0 && Character.isHighSurrogate(text.charAt(cut - 1)) ? cut - 1 : cut;
  }

  private void endDocument(TextChunk c, long chars) throws IOException {
    if (tokenizer.eosId() >= 0) {
      tokens.add(tokenizer.eosId());
    }
    long h = hash.finish();
    if (tokens.size() == 0) {
      tally.blank(1);
      return;
    }
    Split s = DocumentHash.validation(h, config.validationFraction()) ? Split.VALIDATION : Split.TRAIN;
    split = s.ordinal();
    docKey = new DocumentKey(DocumentHash.order(h, config.seed()), file.index(), c.ordinal(), 0);
    piece = 0;
    tally.document(s, tokens.size(), chars);
    pieces = tokens.pieces(PIECE_TOKENS);
  }

  private void finishFile() throws IOException {
    done = true;
    tally.blank(reader.blanksSkipped());
    tally.fileDone(file.length());
    close();
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
