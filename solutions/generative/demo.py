"""See your functions train real generative models: `python demo.py` (about half a minute on a laptop CPU).

1. A VAE on scikit-learn's 8x8 handwritten digits (bundled with the package, no download), trained with your
   reparameterize and vae_loss.
2. A GAN on the same digits, trained with your discriminator_loss (real_label=0.9) and generator_loss
   (or your least-squares losses with --gan-loss ls).
3. A WGAN-GP on a ring of eight 2-D Gaussians, trained with your wgan_critic_loss, wgan_generator_loss and
   gradient_penalty.

It prints the losses as they fall and saves demo_samples.png next to this file: the VAE's reconstructions
and samples, the GAN's samples, and the WGAN-GP's points over the real ones.
"""
import argparse
import math
import sys
import time
import traceback
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gan  # noqa: E402  (your files, next to this one)
import vae  # noqa: E402


def digits():
    """(1797, 64) float32 pixels in [0, 1]."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit("demo.py needs scikit-learn for its digits: pip install scikit-learn")
    return torch.tensor(load_digits().data / 16.0, dtype=torch.float32)


def batches(data, size, generator):
    order = torch.randperm(data.shape[0], generator=generator)
    for start in range(0, data.shape[0] - size + 1, size):
        yield data[order[start:start + size]]


class VAE(nn.Module):
    def __init__(self, pixels=64, hidden=256, latent=8):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, pixels))
        self.latent = latent

    def forward(self, images):
        mu, logvar = self.encoder(images).chunk(2, dim=1)
        codes = vae.reparameterize(mu, logvar)
        return self.decoder(codes), mu, logvar


def train_vae(data, epochs, generator, latent=8):
    model = VAE(latent=latent)
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    print(f"VAE on {data.shape[0]} digits, {epochs} epochs: loss = mean over the batch of (BCE summed over "
          f"64 pixels + KL)")
    for epoch in range(1, epochs + 1):
        total, count = 0.0, 0
        for images in batches(data, 128, generator):
            logits, mu, logvar = model(images)
            objective = vae.vae_loss(logits, images, mu, logvar)
            optimiser.zero_grad()
            objective.backward()
            optimiser.step()
            total, count = total + objective.item(), count + 1
        if epoch == 1 or epoch % 5 == 0:
            print(f"  epoch {epoch:3d}  loss {total / count:8.3f}")
    return model


def train_digit_gan(data, steps, loss_kind, generator):
    noise_dim = 16
    g_net = nn.Sequential(nn.Linear(noise_dim, 256), nn.ReLU(), nn.Linear(256, 64), nn.Sigmoid())
    d_net = nn.Sequential(nn.Linear(64, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
    g_opt = torch.optim.Adam(g_net.parameters(), lr=1e-3, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d_net.parameters(), lr=1e-3, betas=(0.5, 0.999))
    print(f"GAN on the digits ({loss_kind} losses), {steps} steps: the two losses hover near their balance; "
          f"the gap between the mean generated and mean real digit should fall")
    probe, target = torch.randn(512, noise_dim), data.mean(dim=0)

    def gap():
        with torch.no_grad():
            return (g_net(probe).mean(dim=0) - target).abs().mean().item()

    print(f"  step     0  mean-digit gap {gap():.4f}")
    step, d_sum, g_sum = 0, 0.0, 0.0
    while step < steps:
        for images in batches(data, 64, generator):
            fakes = g_net(torch.randn(64, noise_dim))
            if loss_kind == "ls":
                d_objective = gan.ls_discriminator_loss(d_net(images), d_net(fakes.detach()))
            else:
                d_objective = gan.discriminator_loss(d_net(images), d_net(fakes.detach()), real_label=0.9)
            d_opt.zero_grad()
            d_objective.backward()
            d_opt.step()
            scores = d_net(fakes)
            g_objective = gan.ls_generator_loss(scores) if loss_kind == "ls" else gan.generator_loss(scores)
            g_opt.zero_grad()
            g_objective.backward()
            g_opt.step()
            step, d_sum, g_sum = step + 1, d_sum + d_objective.item(), g_sum + g_objective.item()
            if step % (steps // 5) == 0:
                print(f"  step {step:5d}  mean-digit gap {gap():.4f}  discriminator {d_sum / (steps // 5):7.4f}  "
                      f"generator {g_sum / (steps // 5):7.4f}")
                d_sum, g_sum = 0.0, 0.0
            if step == steps:
                break
    return g_net, noise_dim


def ring(count, generator):
    """Samples of a mixture of eight Gaussians (std 0.05) on the unit circle."""
    angles = 2 * math.pi * torch.randint(0, 8, (count,), generator=generator) / 8
    centres = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return centres + 0.05 * torch.randn(count, 2, generator=generator)


def train_wgan_gp(steps, generator, critic_steps=5, weight=0.1, log=None):
    """The trained generator. `log`, a dict if given, receives the critic ("critic") and, per generator step,
    the Wasserstein estimate ("wasserstein") and the penalty ("penalty") of the last critic step."""
    g_net = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
    critic = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    g_opt = torch.optim.Adam(g_net.parameters(), lr=1e-3, betas=(0.5, 0.9))
    c_opt = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
    print(f"WGAN-GP on a ring of 8 Gaussians, {steps} generator steps ({critic_steps} critic steps each, "
          f"penalty weight {weight}); the critic's estimate of the Wasserstein distance should fall")
    estimate, report = 0.0, max(steps // 8, 1)
    for step in range(1, steps + 1):
        for _ in range(critic_steps):
            real = ring(128, generator)
            fake = g_net(torch.randn(128, 2)).detach()
            distance = gan.wgan_critic_loss(critic(real), critic(fake))
            penalty = gan.gradient_penalty(critic, real, fake)
            c_objective = distance + weight * penalty
            c_opt.zero_grad()
            c_objective.backward()
            c_opt.step()
        estimate += -distance.item() / report
        if log is not None:
            log.setdefault("wasserstein", []).append(-distance.item())
            log.setdefault("penalty", []).append(penalty.item())
        g_objective = gan.wgan_generator_loss(critic(g_net(torch.randn(128, 2))))
        g_opt.zero_grad()
        g_objective.backward()
        g_opt.step()
        if step % report == 0:
            print(f"  step {step:5d}  Wasserstein estimate {estimate:7.4f}  generator {g_objective.item():8.4f}")
            estimate = 0.0
    if log is not None:
        log["critic"] = critic
    return g_net


def tiles(images, cols):
    """(rows * cols, 64) -> one (rows * 9 - 1, cols * 9 - 1) picture of 8x8 tiles with 1-pixel white gaps."""
    rows = images.shape[0] // cols
    picture = torch.zeros(rows * 9 - 1, cols * 9 - 1)
    for index, image in enumerate(images[:rows * cols]):
        r, c = divmod(index, cols)
        picture[r * 9:r * 9 + 8, c * 9:c * 9 + 8] = image.reshape(8, 8)
    return picture


def save_figure(data, vae_model, gan_model, noise_dim, wgan_model, generator, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with torch.no_grad():
        originals = data[torch.randperm(data.shape[0], generator=generator)[:12]]
        mu = vae_model.encoder(originals).chunk(2, dim=1)[0]
        reconstructions = torch.sigmoid(vae_model.decoder(mu))
        pairs = torch.stack([originals.reshape(2, 6, 64), reconstructions.reshape(2, 6, 64)], dim=1).reshape(24, 64)
        vae_samples = torch.sigmoid(vae_model.decoder(torch.randn(24, vae_model.latent)))
        gan_samples = gan_model(torch.randn(24, noise_dim))
        real_points, fake_points = ring(1000, generator), wgan_model(torch.randn(1000, 2))
    figure, axes = plt.subplots(1, 4, figsize=(16, 4.2))
    panels = [("VAE: digits (rows 1, 3), reconstructions (2, 4)", pairs),
              ("VAE: samples decoded from z ~ N(0, I)", vae_samples), ("GAN: samples", gan_samples)]
    for axis, (title, images) in zip(axes[:3], panels, strict=True):
        axis.imshow(tiles(images, cols=6), cmap="gray_r", vmin=0, vmax=1)
        axis.set_title(title, fontsize=10)
        axis.axis("off")
    axes[3].scatter(real_points[:, 0], real_points[:, 1], s=3, alpha=0.4, label="real")
    axes[3].scatter(fake_points[:, 0], fake_points[:, 1], s=3, alpha=0.4, label="WGAN-GP generator")
    axes[3].set_title("WGAN-GP: 8 Gaussians on a ring", fontsize=10)
    axes[3].set_aspect("equal")
    axes[3].legend(loc="center", fontsize=8, markerscale=3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gan-loss", choices=["bce", "ls"], default="bce", help="the digit GAN's losses")
    parser.add_argument("--quick", action="store_true", help="a few steps of each, to check that it runs")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    started = time.monotonic()
    data = digits()
    scale = 10 if args.quick else 1
    try:
        vae_model = train_vae(data, 30 // scale, generator)
        gan_model, noise_dim = train_digit_gan(data, 2000 // scale, args.gan_loss, generator)
        wgan_model = train_wgan_gp(800 // scale, generator)
    except NotImplementedError as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        sys.exit(f"demo.py stopped: {frame.name} in {Path(frame.filename).name} (line {frame.lineno}) is not "
                 f"implemented yet. Fill it in (pytest tells you when it is right) and run the demo again.")
    path = HERE / "demo_samples.png"
    save_figure(data, vae_model, gan_model, noise_dim, wgan_model, generator, path)
    print(f"saved {path} ({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
