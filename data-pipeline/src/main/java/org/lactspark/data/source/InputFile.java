package org.lactspark.data.source;

import java.io.Serializable;

/**
 * One input file of a prepare job.
 *
 * @param index its place in the listing (documents are numbered within it)
 * @param uri its fully qualified Hadoop URI
 * @param length its size in bytes (compressed, if it is)
 * @param format how it holds documents
 */
public record InputFile(int index, String uri, long length, InputFormat format) implements Serializable {}
