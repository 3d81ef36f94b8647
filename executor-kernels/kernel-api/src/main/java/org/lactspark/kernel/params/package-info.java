/**
 * The parameter layout: every parameter's name, shape, position in one flat vector and
 * initialisation. It is the one mapping that every backend, checkpoints and the distributed
 * strategy share, so parameters travel as flat vectors without DL4J objects. Names are the
 * official implementation's state_dict names. JDK and {@code conf} only.
 */
package org.lactspark.kernel.params;
