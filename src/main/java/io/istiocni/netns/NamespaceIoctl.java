package io.istiocni.netns;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@code open}, {@code ioctl(NS_GET_USERNS)} and {@code close} through the JDK's foreign function API (no JNI,
 * nothing generated at build time; the native build registers exactly these three downcalls in
 * {@code META-INF/native-image/io.istiocni/istio-cni/reachability-metadata.json}). The handles are made on first
 * use only: ordinary pods never need them.
 */
final class NamespaceIoctl {

    /** {@code _IO(0xb7, 0x1)}: a descriptor for the user namespace owning the namespace. */
    private static final long NS_GET_USERNS = 0xb701L;
    private static final int O_RDONLY_CLOEXEC = 0x80000;

    /** The foreign function API is not usable here (native build without it, native access denied, ...). */
    static final class UnavailableException extends Exception {
        UnavailableException(String message) {
            super(message);
        }
    }

    private NamespaceIoctl() {
    }

    private static final class Handles {
        static final MethodHandle OPEN;
        static final MethodHandle IOCTL;
        static final MethodHandle CLOSE;
        static final Throwable FAILURE;

        static {
            MethodHandle open = null;
            MethodHandle ioctl = null;
            MethodHandle close = null;
            Throwable failure = null;
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                open = linker.downcallHandle(libc.find("open").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
                // ioctl is variadic: the request's (unused) argument is passed as the first variadic one
                ioctl = linker.downcallHandle(libc.find("ioctl").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_LONG), Linker.Option.firstVariadicArg(2));
                close = linker.downcallHandle(libc.find("close").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            } catch (Throwable t) { // UnsupportedOperationException, IllegalCallerException, linkage errors
                failure = t;
            }
            OPEN = open;
            IOCTL = ioctl;
            CLOSE = close;
            FAILURE = failure;
        }
    }

    /**
     * A new descriptor (close-on-exec) for the user namespace owning the namespace file at {@code path}.
     *
     * @throws java.io.IOException  when the file cannot be opened or is not a namespace
     * @throws UnavailableException when foreign calls cannot be made in this runtime
     */
    static int ownerUserNamespace(String path) throws java.io.IOException, UnavailableException {
        if (Handles.FAILURE != null) {
            throw new UnavailableException(String.valueOf(Handles.FAILURE));
        }
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            fd = (int) Handles.OPEN.invokeExact(cPath, O_RDONLY_CLOEXEC);
        } catch (Throwable t) {
            throw new UnavailableException(String.valueOf(t));
        }
        if (fd < 0) {
            throw new java.io.IOException("cannot open " + path);
        }
        int owner;
        try {
            owner = (int) Handles.IOCTL.invokeExact(fd, NS_GET_USERNS, 0L);
        } catch (Throwable t) {
            close(fd);
            throw new UnavailableException(String.valueOf(t));
        }
        close(fd);
        if (owner < 0) {
            throw new java.io.IOException(path + " is not a namespace file, or its owner is out of reach");
        }
        return owner;
    }

    /** {@code _IO(0xb7, 0x3)}: the namespace's type, a {@code CLONE_NEW*} flag. */
    private static final long NS_GET_NSTYPE = 0xb703L;

    /**
     * The {@code CLONE_NEW*} type of the namespace file at {@code path} ({@code 0x40000000} for a network namespace),
     * or -1 when it is not a namespace file (a regular file, a directory).
     *
     * @throws java.io.IOException  when the file cannot be opened
     * @throws UnavailableException when foreign calls cannot be made in this runtime
     */
    static int namespaceType(String path) throws java.io.IOException, UnavailableException {
        if (Handles.FAILURE != null) {
            throw new UnavailableException(String.valueOf(Handles.FAILURE));
        }
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            fd = (int) Handles.OPEN.invokeExact(cPath, O_RDONLY_CLOEXEC);
        } catch (Throwable t) {
            throw new UnavailableException(String.valueOf(t));
        }
        if (fd < 0) {
            throw new java.io.IOException("cannot open " + path);
        }
        try {
            int type = (int) Handles.IOCTL.invokeExact(fd, NS_GET_NSTYPE, 0L);
            return type < 0 ? -1 : type;
        } catch (Throwable t) {
            throw new UnavailableException(String.valueOf(t));
        } finally {
            close(fd);
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) Handles.CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // nothing sensible to do: the process is short-lived or the descriptor is already gone
        }
    }
}
