/** Starting Spark for the command line's jobs, in-process or under {@code spark-submit}. */
package org.lactspark.driver.spark;
