/** Command-line pieces of the model: the training-step benchmark, mounted under {@code bin/lact bench}. */
package org.lactspark.model.cli;
