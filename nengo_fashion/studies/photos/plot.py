"""The photos study's figure, ``photos.png``."""

import numpy as np

from ...images import preprocess as pp


def figure(photo_set, processed, clf, path, n_disagreements=2):
    """``photos.png``: a photo of each variant (each of another image), its 28 x 28 form and
    the original, with the rate network's answers (red where photo and original disagree);
    then the first ``n_disagreements`` photos whose answer differs from the original's."""
    from ...data import CLASS_NAMES
    from ...plots import _pyplot, save_png

    plt = _pyplot()
    n = len(photo_set.indices)
    originals = photo_set.originals.reshape(n, -1) / np.float32(255)
    truth = clf.predict(originals, preprocess=False).labels
    answers = {
        v: clf.predict(x.reshape(n, -1), preprocess=False).labels for v, x in processed.items()
    }
    variants = list(photo_set.files)
    examples = [(v, k % n) for k, v in enumerate(variants)]
    wrong = [(v, j) for j in range(n) for v in variants if answers[v][j] != truth[j]]
    examples += [e for e in wrong if e not in examples][:n_disagreements]
    groups = 3  # photo / 28 x 28 / original, three groups across
    rows = int(np.ceil(len(examples) / groups))
    fig, axes = plt.subplots(rows, 3 * groups, figsize=(6.0 * groups, 2.3 * rows))
    axes = np.atleast_2d(axes)
    for ax in axes.ravel():
        ax.axis("off")
    for k, (v, j) in enumerate(examples):
        r, g = divmod(k, groups)
        f = photo_set.files[v][j]
        f.seek(0)
        picture = pp.open_image(f)
        a0, a1, a2 = axes[r, 3 * g : 3 * g + 3]
        a0.imshow(np.asarray(picture.convert("RGBA")))
        a0.set_title(f"'{v}' photo, {picture.width} x {picture.height}", fontsize=8)
        a1.imshow(processed[v][j], cmap="gray", vmin=0, vmax=1)
        same = answers[v][j] == truth[j]
        a1.set_title(
            f"its 28 x 28: {CLASS_NAMES[answers[v][j]]}",
            fontsize=8,
            color="black" if same else "red",
        )
        a2.imshow(photo_set.originals[j], cmap="gray", vmin=0, vmax=255)
        a2.set_title(f"test image {photo_set.indices[j]}: {CLASS_NAMES[truth[j]]}", fontsize=8)
        for a in (a0, a1, a2):
            a.axis("on")
            a.set_xticks([])
            a.set_yticks([])
    fig.suptitle(
        "Product photos made from test images, their 28 x 28 form after preprocessing, and the "
        "rate network's answer (red: not the original's)"
    )
    fig.tight_layout()
    return save_png(fig, path, dpi=80)
