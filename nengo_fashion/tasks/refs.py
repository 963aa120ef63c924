"""Fashion-MNIST as a task argument: a `DataRef` travels without the images, and each
worker loads its own copy from its own disk, checked against the client's fingerprint."""

import functools
import hashlib
import os
import socket

from ..errors import DataError


@functools.lru_cache(maxsize=2)
def load_dataset(data_dir=None, n_val=5000):
    """`nengo_fashion.data.load`, cached per process: a worker reads the files once."""
    from .. import data

    return data.load(data_dir, n_val=n_val)


def fingerprint(dataset):
    """A short digest of a `FashionMNIST`'s labels and a sample of its pixels."""
    h = hashlib.sha1()
    for split in (dataset.train, dataset.val, dataset.test):
        h.update(f"{split.name}:{len(split)};".encode())
        h.update(split.labels.tobytes())
        h.update(split.images[::97, ::7].tobytes())
    return h.hexdigest()[:16]


class DataRef:
    """Fashion-MNIST (or one split of it) as a task argument that does not carry the images.

    In this process it holds the loaded data; sent to a worker it is only the folder,
    ``n_val``, the split and a fingerprint, and the worker loads the files from its own
    disk (`load_dataset`, once per process) and checks the fingerprint.

    Parameters
    ----------
    dataset : nengo_fashion.data.FashionMNIST
        The data loaded here.
    data_dir : str or Path, optional
        Where it was loaded from (None: each machine's own search order).
    split : {"train", "val", "test"}, optional
        Refer to one split (its first ``n_images``) instead of the whole set.
    n_images : int, optional
        How many images of ``split`` (all if None).
    """

    def __init__(self, dataset, data_dir=None, split=None, n_images=None, _fingerprint=None):
        self.data_dir = None if data_dir is None else os.path.abspath(data_dir)
        self.n_val = len(dataset.val)
        self.split = split
        self.n_images = n_images
        self.fingerprint = _fingerprint or fingerprint(dataset)
        self._local = dataset

    def subset(self, split, n_images=None):
        """A reference to the first ``n_images`` of ``split``."""
        return DataRef(self._local, self.data_dir, split, n_images, self.fingerprint)

    def __len__(self):
        return len(self.load()) if self.split else len(self.load().train)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_local"] = None  # the images stay here; the worker loads its own
        return state

    def load(self):
        """The `FashionMNIST`, or the `Split` if this refers to one."""
        dataset = self._local
        if dataset is None:
            dataset = load_dataset(self.data_dir, self.n_val)
            found = fingerprint(dataset)
            if found != self.fingerprint:
                raise DataError(
                    f"the Fashion-MNIST on {socket.gethostname()} ({dataset.source}, n_val "
                    f"{self.n_val}) differs from the client's (fingerprint {found} != "
                    f"{self.fingerprint}): install the same data on every machine"
                )
            self._local = dataset
        if self.split is None:
            return dataset
        return dataset.split(self.split).subset(self.n_images)


def resolve(data):
    """A task's data argument: a `DataRef` is loaded, anything else is returned as is."""
    return data.load() if isinstance(data, DataRef) else data


__all__ = ["DataRef", "resolve", "load_dataset", "fingerprint"]
