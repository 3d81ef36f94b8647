package org.lactspark.driver.eval.report;

/**
 * One rendered plot: the file it is written as, the words that stand in for it on the page, and
 * the image itself.
 *
 * @param file the PNG's file name, e.g. {@code per-position-loss.png}
 * @param alt what the image shows, for readers who cannot see it
 * @param caption the sentence under it on the page
 * @param png the encoded image
 */
record Figure(String file, String alt, String caption, byte[] png) {}
