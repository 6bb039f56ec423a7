"""Cappy's training recipe: data building, ROUGE-L labels, a RoBERTa scorer in torch, training, evaluation."""
