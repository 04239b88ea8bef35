"""CodeFusion training: data, tokenizer, model, diffusion, training, evaluation and export.

One path for data: dataset (data.py) -> tokenizer (tokenizer.py) -> tensors (tensors.py) -> model (model.py)
-> sampler (diffusion.py) -> decoded code -> metric (predictions.py). Every command is `python3 -m training.<name>`
run from the repository root.
"""
