package org.lactspark.data.source;

/**
 * Part of a document's text, in order: a document is one or more chunks, the first marked
 * {@code first} and the last {@code last}. Long documents come in several chunks so that a
 * single line of many megabytes never has to be held whole.
 *
 * @param location where the document starts (file and line or row), for messages
 * @param ordinal the document's number in its file, from 0
 * @param first whether this chunk starts a document
 * @param last whether this chunk ends it
 * @param text the chunk's text (no byte-order marks, no carriage returns of CRLF line ends)
 */
public record TextChunk(String location, long ordinal, boolean first, boolean last, String text) {}
