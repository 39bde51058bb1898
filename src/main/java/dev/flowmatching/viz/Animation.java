package dev.flowmatching.viz;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

import dev.flowmatching.notebook.Displayable;
import dev.flowmatching.notebook.MimeBundle;

/**
 * An animated GIF made of frames (e.g. {@link Plot}s of the density at successive times), looping forever,
 * written with the JDK's ImageIO GIF writer. Shows inline as {@code image/gif} (JupyterLab, GitHub, VS Code).
 *
 * <pre>{@code
 * Animation a = new Animation(120);          // 120 ms per frame
 * for (...) a.add(new Plot(...).square().points(...));
 * Display.show(a);
 * }</pre>
 */
public final class Animation implements Displayable {
    private final int delayMs;
    private final List<BufferedImage> frames = new ArrayList<>();

    public Animation(int delayMs) {
        if (delayMs < 10) {
            throw new IllegalArgumentException("frame delay must be >= 10 ms (GIF counts in 1/100 s), got " + delayMs);
        }
        this.delayMs = delayMs;
    }

    /** Adds a frame drawn by a plot. */
    public Animation add(Plot plot) {
        try {
            return add(ImageIO.read(new ByteArrayInputStream(plot.png())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds a frame; every frame must have the first frame's size. */
    public Animation add(BufferedImage frame) {
        if (!frames.isEmpty() && (frame.getWidth() != frames.get(0).getWidth()
                || frame.getHeight() != frames.get(0).getHeight())) {
            throw new IllegalArgumentException("frame " + frames.size() + " is " + frame.getWidth() + "x"
                    + frame.getHeight() + "; the animation is " + frames.get(0).getWidth() + "x"
                    + frames.get(0).getHeight());
        }
        frames.add(frame);
        return this;
    }

    public int frameCount() {
        return frames.size();
    }

    /** The GIF bytes: every frame with the same delay, looping forever. */
    public byte[] gif() {
        if (frames.isEmpty()) {
            throw new IllegalStateException("an animation needs at least one frame");
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (BufferedImage frame : frames) {
                BufferedImage rgb = toRgb(frame);
                IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(rgb), null);
                configure(meta, frame == frames.get(0));
                writer.writeToSequence(new IIOImage(rgb, null, meta), null);
            }
            writer.endWriteSequence();
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
    }

    /** Frame delay, and on the first frame the NETSCAPE2.0 extension that makes viewers loop. */
    private void configure(IIOMetadata meta, boolean first) throws IOException {
        String format = meta.getNativeMetadataFormatName();
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
        IIOMetadataNode gce = child(root, "GraphicControlExtension");
        gce.setAttribute("disposalMethod", "none");
        gce.setAttribute("userInputFlag", "FALSE");
        gce.setAttribute("transparentColorFlag", "FALSE");
        gce.setAttribute("delayTime", Integer.toString(delayMs / 10));
        gce.setAttribute("transparentColorIndex", "0");
        if (first) {
            IIOMetadataNode apps = child(root, "ApplicationExtensions");
            IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
            app.setAttribute("applicationID", "NETSCAPE");
            app.setAttribute("authenticationCode", "2.0");
            app.setUserObject(new byte[] {1, 0, 0}); // loop count 0 = forever
            apps.appendChild(app);
        }
        meta.setFromTree(format, root);
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equals(name)) {
                return (IIOMetadataNode) root.item(i);
            }
        }
        IIOMetadataNode node = new IIOMetadataNode(name);
        root.appendChild(node);
        return node;
    }

    private static BufferedImage toRgb(BufferedImage img) {
        if (img.getType() == BufferedImage.TYPE_INT_RGB) {
            return img;
        }
        BufferedImage rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.drawImage(img, 0, 0, null);
        g.dispose();
        return rgb;
    }

    @Override
    public MimeBundle toMimeBundle() {
        return MimeBundle.text("animation: " + frames.size() + " frames, " + delayMs + " ms each").withGif(gif());
    }
}
