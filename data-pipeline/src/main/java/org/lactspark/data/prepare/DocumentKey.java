package org.lactspark.data.prepare;

import java.io.Serializable;

/**
 * Where a piece of a document goes in the shuffled order: the document's seeded order (a hash of
 * its content and the seed), then its file and number in the file (ties between equal texts), then
 * the piece's number inside the document. Unique per piece, so the sorted order is total and does
 * not depend on how the work was partitioned.
 *
 * @param order the document's place in the shuffle (compared unsigned)
 * @param file the input file's index
 * @param ordinal the document's number in its file
 * @param piece the piece's number in the document, from 0
 */
record DocumentKey(long order, int file, long ordinal, int piece) implements Serializable, Comparable<DocumentKey> {
  @Override
  public int compareTo(DocumentKey o) {
    // the order unsigned, to agree with the range partitioner, which cuts its unsigned range;
    // written out rather than a Comparator chain: the sort calls it for every pair it compares
    int c = Long.compareUnsigned(order, o.order);
    if (c == 0) {
      c = Integer.compare(file, o.file);
    }
    if (c == 0) {
      c = Long.compare(ordinal, o.ordinal);
    }
    return c != 0 ? c : Integer.compare(piece, o.piece);
  }
}
