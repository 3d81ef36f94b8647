/**
 * The command line behind {@code bin/lact}, on picocli: the only driver package that writes to
 * standard output. It maps exception types to exit statuses (see {@link
 * org.lactspark.kernel.cli.Cli}).
 */
package org.lactspark.driver.cli;
