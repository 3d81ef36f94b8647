package org.lactspark.data.prepare;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The tokens of one document while it is read. A document may be dropped up to its last byte (bad
 * input late in it), so its tokens are held until it ends; past {@link #SPILL_AT} tokens they go
 * to a temporary file, so a document of any length fits in bounded memory.
 */
final class TokenBuffer implements Closeable {
  /** Tokens held in memory before spilling. */
  static final int SPILL_AT = 1 << 23;

  private final int spillAt;
  private int[] mem = new int[1024];
  private int size;
  private long spilled;
  private Path spill;
  private DataOutputStream spillOut;

  TokenBuffer() {
    this(SPILL_AT);
  }

  TokenBuffer(int spillAt) {
    this.spillAt = spillAt;
  }

  void add(int id) {
    if (size == mem.length) {
      if (size >= spillAt) {
        spill();
      } else {
        mem = Arrays.copyOf(mem, Math.min(spillAt, mem.length * 2));
      }
    }
    mem[size++] = id;
  }

  void addAll(int[] ids) {
    for (int id : ids) {
      add(id);
    }
  }

  /** Tokens held, in memory and spilled. */
  long size() {
    return spilled + size;
  }

  /** Whether any tokens went to disk (for tests and logs). */
  boolean spilled() {
    return spilled > 0;
  }

  private void spill() {
    try {
      if (spillOut == null) {
        spill = Files.createTempFile("lact-prepare-", ".tokens");
        spillOut = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(spill), 1 << 16));
      }
      for (int i = 0; i < size; i++) {
        spillOut.writeInt(mem[i]);
      }
      spilled += size;
      size = 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot spill a long document's tokens to " + spill, e);
    }
  }

  /**
   * The tokens in pieces of at most {@code pieceTokens}, spilled ones first; valid until the next
   * {@link #clear()}.
   */
  Iterator<int[]> pieces(int pieceTokens) throws IOException {
    DataInputStream in = null;
    if (spillOut != null) {
      spillOut.close();
      spillOut = null;
      in = new DataInputStream(new BufferedInputStream(Files.newInputStream(spill), 1 << 16));
    }
    DataInputStream disk = in;
    return new Iterator<>() {
      long fromDisk = spilled;
      int fromMem;

      @Override
      public boolean hasNext() {
        return fromDisk > 0 || fromMem < size;
      }

      @Override
      public int[] next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        if (fromDisk > 0) {
          int n = (int) Math.min(pieceTokens, fromDisk);
          int[] p = new int[n];
          try {
            for (int i = 0; i < n; i++) {
              p[i] = disk.readInt();
            }
            fromDisk -= n;
            if (fromDisk == 0) {
              disk.close();
            }
          } catch (IOException e) {
            throw new UncheckedIOException("cannot read back spilled tokens from " + spill, e);
          }
          return p;
        }
        int n = Math.min(pieceTokens, size - fromMem);
        int[] p = Arrays.copyOfRange(mem, fromMem, fromMem + n);
        fromMem += n;
        return p;
      }
    };
  }

  /** Empties the buffer and deletes any spill file. */
  void clear() throws IOException {
    size = 0;
    spilled = 0;
    if (spillOut != null) {
      spillOut.close();
      spillOut = null;
    }
    if (spill != null) {
      Files.deleteIfExists(spill);
      spill = null;
    }
  }

  @Override
  public void close() throws IOException {
    clear();
  }
}
