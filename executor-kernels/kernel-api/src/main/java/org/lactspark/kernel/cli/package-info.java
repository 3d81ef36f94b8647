/**
 * The compute-only commands ({@code conformance}, {@code bench}) on picocli. They need only the
 * kernel jars and a backend, so they run on a GPU host with a small bundled Java runtime. A CLI
 * package: the one place in {@code kernel-api} that writes to standard output.
 */
package org.lactspark.kernel.cli;
