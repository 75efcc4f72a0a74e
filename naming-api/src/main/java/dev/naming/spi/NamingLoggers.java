package dev.naming.spi;

import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPLoggerFactory;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The loggers of the library and its backends: what the contract promises to log (a listener that
 * threw, a registry that cannot be reached, a registration that could not be kept alive) must reach
 * the operator without any setup.
 *
 * <p>When the application has an SLF4J provider (Logback, Log4j 2's SLF4J binding, slf4j-simple,
 * slf4j-jdk14 …) every line goes to SLF4J, as usual. Without one SLF4J would discard everything
 * (it falls back to a no-op logger after one warning of its own); then the lines go to the JDK's
 * {@link System.Logger} instead, which is {@code java.util.logging} unless the application installed
 * another {@link System.LoggerFinder}: INFO and above are printed on standard error by default,
 * each line headed by the class and method that logged. An
 * application that chose {@code slf4j-nop} on purpose is left silent.
 *
 * <p>Backends get their loggers here rather than from {@link LoggerFactory}.
 */
public final class NamingLoggers {

    private static volatile Boolean slf4j;

    private NamingLoggers() {
    }

    /** The logger named after {@code owner}. */
    public static Logger get(Class<?> owner) {
        String name = owner.getName();
        if (usesSlf4j()) {
            return LoggerFactory.getLogger(owner);
        }
        return julIsTheSystemLogger() ? julLogger(name) : systemLogger(name, System.getLogger(name));
    }

    /**
     * Whether {@link System.Logger}s are {@code java.util.logging}'s (no other
     * {@link System.LoggerFinder} installed): then lines go to it directly, with the class that
     * logged as their source. Through {@code System.Logger} its formatter would name this class's
     * adapter as the source of every line, the first frame it does not know as logging code.
     */
    private static boolean julIsTheSystemLogger() {
        return System.LoggerFinder.getLoggerFinder().getClass().getName()
                .equals("sun.util.logging.internal.LoggingProviderImpl");
    }

    /** The logger used without an SLF4J provider when the JDK's loggers are {@code java.util.logging}'s. */
    static Logger julLogger(String name) {
        return new JulAdapter(name, java.util.logging.Logger.getLogger(name));
    }

    /** The logger used without an SLF4J provider: SLF4J calls passed on to {@code target}. */
    static Logger systemLogger(String name, System.Logger target) {
        return new SystemLoggerAdapter(name, target);
    }

    /** Whether the application has an SLF4J provider (decided once, at the first logger). */
    static boolean usesSlf4j() {
        Boolean decided = slf4j;
        if (decided == null) {
            decided = hasProvider(LoggerFactory.getILoggerFactory());
            slf4j = decided;
        }
        return decided;
    }

    private static boolean hasProvider(ILoggerFactory factory) {
        if (!(factory instanceof NOPLoggerFactory)) {
            return true;
        }
        // no-op: SLF4J's fallback when it found no provider, or slf4j-nop chosen on purpose
        if (System.getProperty(LoggerFactory.PROVIDER_PROPERTY_KEY) != null) {
            return true;
        }
        try {
            return ServiceLoader.load(SLF4JServiceProvider.class, LoggerFactory.class.getClassLoader())
                    .iterator().hasNext();
        } catch (ServiceConfigurationError e) {
            return false; // a provider that cannot even be listed logs nothing either
        }
    }

    /**
     * An SLF4J logger for when the application has no SLF4J provider: each level is asked of, and
     * each line written to, the JDK's logging in the subclass's way.
     */
    private abstract static class FallbackLogger extends LegacyAbstractLogger {

        FallbackLogger(String name) {
            this.name = name;
        }

        abstract boolean enabled(Level level);

        abstract void write(Level level, String message, Throwable throwable);

        @Override
        public boolean isTraceEnabled() {
            return enabled(Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return enabled(Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return enabled(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return enabled(Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return enabled(Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                                   Throwable throwable) {
            write(level, MessageFormatter.basicArrayFormat(pattern, arguments), throwable);
        }
    }

    /**
     * Writes to the {@code java.util.logging} logger of the same name, each record headed by the
     * logger's class and the method of it that logged.
     */
    private static final class JulAdapter extends FallbackLogger {

        private final transient java.util.logging.Logger target;

        JulAdapter(String name, java.util.logging.Logger target) {
            super(name);
            this.target = target;
        }

        private static java.util.logging.Level to(Level level) {
            return switch (level) {
                case TRACE -> java.util.logging.Level.FINEST;
                case DEBUG -> java.util.logging.Level.FINE;
                case INFO -> java.util.logging.Level.INFO;
                case WARN -> java.util.logging.Level.WARNING;
                case ERROR -> java.util.logging.Level.SEVERE;
            };
        }

        @Override
        boolean enabled(Level level) {
            return target.isLoggable(to(level));
        }

        @Override
        void write(Level level, String message, Throwable throwable) {
            java.util.logging.LogRecord line = new java.util.logging.LogRecord(to(level), message);
            line.setLoggerName(name);
            line.setSourceClassName(name);
            line.setSourceMethodName(callingMethod());
            line.setThrown(throwable);
            target.log(line);
        }

        /** The method of the logger's class (or of a class nested in it) that logged, if on the stack. */
        private String callingMethod() {
            String nested = name + "$";
            return StackWalker.getInstance().walk(frames -> frames
                    .filter(f -> f.getClassName().equals(name) || f.getClassName().startsWith(nested))
                    .findFirst().map(StackWalker.StackFrame::getMethodName).orElse(null));
        }
    }

    /** Writes to the JDK's {@link System.Logger} of the same name. */
    private static final class SystemLoggerAdapter extends FallbackLogger {

        private final transient System.Logger target;

        SystemLoggerAdapter(String name, System.Logger target) {
            super(name);
            this.target = target;
        }

        private static System.Logger.Level to(Level level) {
            return switch (level) {
                case TRACE -> System.Logger.Level.TRACE;
                case DEBUG -> System.Logger.Level.DEBUG;
                case INFO -> System.Logger.Level.INFO;
                case WARN -> System.Logger.Level.WARNING;
                case ERROR -> System.Logger.Level.ERROR;
            };
        }

        @Override
        boolean enabled(Level level) {
            return target.isLoggable(to(level));
        }

        @Override
        void write(Level level, String message, Throwable throwable) {
            if (throwable == null) {
                target.log(to(level), message);
            } else {
                target.log(to(level), message, throwable);
            }
        }
    }
}
