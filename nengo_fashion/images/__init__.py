"""Image transforms that are not the network: augmentation of training images
(`nengo_fashion.images.augment`) and turning a real picture into Fashion-MNIST's form
(`nengo_fashion.images.preprocess`)."""
