package dev.flowmatching.runtime;

import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Run in a fresh JVM by {@link TorchOfflineTest}: fails (exit 3) on any attempt to open a network
 * connection through java.net, otherwise starts the engine and prints a small matrix product.
 */
public final class OfflineProbe {
    public static void main(String[] args) {
        ProxySelector.setDefault(new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                System.out.println("NETWORK ATTEMPT " + uri);
                System.out.flush();
                Runtime.getRuntime().halt(3);
                return List.of();
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
            }
        });
        try (NDManager m = NDManager.newBaseManager(Torch.device(), Torch.engine().getEngineName())) {
            NDArray a = m.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
            NDArray b = m.create(new float[] {5, 6, 7, 8}, new ai.djl.ndarray.types.Shape(2, 2));
            float[] c = a.matMul(b).toFloatArray();
            System.out.println("offline=" + System.getProperty("ai.djl.offline"));
            System.out.println("engine=" + Torch.engine().getEngineName() + " " + Torch.engine().getVersion());
            System.out.println("result=" + c[0] + "," + c[1] + "," + c[2] + "," + c[3]);
        }
    }
}
