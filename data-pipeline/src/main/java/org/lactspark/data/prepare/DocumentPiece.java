package org.lactspark.data.prepare;

import java.io.Serializable;

/**
 * Consecutive tokens of one document (all of it, or a piece of a long one), with its split.
 *
 * @param split {@link Split#ordinal()} of the document's split
 * @param tokens the token ids
 */
record DocumentPiece(int split, int[] tokens) implements Serializable {}
