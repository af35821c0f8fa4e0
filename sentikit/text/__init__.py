"""Text preprocessing: normalisation, tokenization, stopwords, lemmatization and stemming."""

from sentikit.text.config import PreprocessConfig
from sentikit.text.pipeline import Preprocessor, detect_language

__all__ = ["PreprocessConfig", "Preprocessor", "detect_language"]
