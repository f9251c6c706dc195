"""§6 name → country: packing a batch of names, the trained bidirectional GRU, training it as a job."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.schemas.common import EncodingOption, Optimizer, RequestModel, Schedule, TensorOut
from engine.data.names import names_split
from engine.models.names import CLASS_WEIGHT_POWER, RECIPE, NamesConfig

SHIPPED = NamesConfig()  # the shipped model's sizes
TRAIN_LINES = len(names_split().train)  # 13,368
MAX_NAME = 30  # characters; the longest shipped name has 20
MAX_NAMES = 16  # names in one packing batch

NAME_HELP = (
    f"a surname, 1–{MAX_NAME} characters: Latin letters (accents are dropped), space, apostrophe, hyphen"
)
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME, description=NAME_HELP)]


class PredictRequest(RequestModel):
    name: Name
    k: int = Field(5, ge=1, le=18, description="how many countries to return, 1–18")


class Guess(BaseModel):
    language: str
    probability: float


class Place(BaseModel):
    language: str
    part: Literal["train", "held_out"] = Field(description="trained on, or held out")


class PredictResponse(BaseModel):
    name: str = Field(description="the name as the model reads it: normalised")
    codes: list[int]
    top: list[Guess] = Field(description="the k most likely languages, most likely first")
    in_data: list[Place] = Field(
        description="where the data set holds this name, once per line; [] if nowhere"
    )


class BatchRequest(EncodingOption):
    names: list[Name] = Field(
        min_length=1, max_length=MAX_NAMES, description=f"1–{MAX_NAMES} names, each 1–{MAX_NAME} characters"
    )


class BatchResponse(BaseModel):
    names: list[str]
    lengths: list[int]
    embedded_data: TensorOut = Field(description="(ΣT, E) the embedding of each element of the packed data")
    batch_sizes: list[int]
    h_n: TensorOut = Field(
        description="(L·D, B, H) last state of each layer and direction, torch's "
        "order: layer 0 forward, layer 0 backward, layer 1 forward, …"
    )
    hidden: TensorOut = Field(description="(B, 2H) [h_N^f; h_N^b] of the top layer, the linear layer's input")
    logits: TensorOut = Field(description="(B, 18)")
    probabilities: TensorOut = Field(description="(B, 18) softmax of the logits")
    classes: list[str]


class ModelResponse(BaseModel):
    classes: list[str] = Field(description="the 18 languages, in class-index order")
    train_size: int
    held_out_size: int
    train_counts: list[int] = Field(description="training names per class")
    held_out_counts: list[int] = Field(description="held-out names per class")
    lines: int = Field(description="lines in the 18 files (20,050)")
    protocol: str = Field(
        description="'lines': every line is a sample, as in the course, so a name "
        "repeated within a language can be on both sides of the split"
    )
    repeats: int = Field(description="lines repeating a name already read under the same language")
    unseen_size: int = Field(description="held-out names that occur nowhere among the training names")
    majority_accuracy: float = Field(description="held-out accuracy of always answering the largest class")
    held_out_accuracy: float = Field(description="the shipped weights on the held-out third")
    unseen_accuracy: float = Field(
        description="the shipped weights on the held-out names never seen in "
        "training (a repeated name is easier)"
    )
    per_class_accuracy: list[float] = Field(description="held-out accuracy of each class")
    confusion: list[list[int]] = Field(description="18×18: row = true language, column = predicted")
    parameters: int = Field(description="number of trainable numbers")
    alphabet: str = Field(description="code c (1–29) stands for alphabet[c − 1]; 0 is padding")
    table: dict[str, int | float | bool | str] = Field(
        description="the seed's parameter table: input_size, hidden_size, num_layers, output_size, "
        "seq_len, batch_size, dropout, bidirectional"
    )
    training: dict = Field(description="how the shipped weights were trained (their JSON record)")


class NamesParams(RequestModel):
    """Train the bidirectional GRU from scratch on the training two thirds; evaluate on the held-out
    third. The defaults are the recipe of the shipped weights."""

    epochs: int = Field(RECIPE.epochs, ge=1, le=40, description="passes over the training names, 1–40")
    batch_size: int = Field(RECIPE.batch_size, ge=8, le=1024, description="names per update, 8–1024")
    lr: float = Field(RECIPE.lr, gt=0, le=1, description="learning rate (the peak one with onecycle)")
    optimizer: Optimizer = Field(
        RECIPE.optimizer, description="how the weights are updated from their gradients"
    )
    weight_decay: float = Field(
        RECIPE.weight_decay, ge=0, le=1, description="L2 pull towards 0 (decoupled with adamw)"
    )
    schedule: Schedule = Field(
        RECIPE.schedule, description="the learning rate over the run: constant, or one cycle up then down"
    )
    embedding_dim: int = Field(SHIPPED.embedding_dim, ge=2, le=128, description="input_size of the GRU")
    hidden_size: int = Field(
        SHIPPED.hidden_size, ge=2, le=256, description="numbers in each GRU state, 2–256"
    )
    num_layers: int = Field(SHIPPED.num_layers, ge=1, le=3, description="stacked GRU layers, 1–3")
    dropout: float = Field(
        SHIPPED.dropout,
        ge=0,
        le=0.8,
        description="share of numbers zeroed between layers while training, 0–0.8",
    )
    class_weight_power: float = Field(
        CLASS_WEIGHT_POWER,
        ge=0,
        le=1,
        description="loss weight (n_c / n_max)^−power: "
        "0 plain cross-entropy, 1 every language counts equally",
    )
    train_size: int = Field(TRAIN_LINES, ge=100, le=TRAIN_LINES, description="how many training names to use")
    seed: int = Field(RECIPE.seed, ge=0, le=2**31 - 1, description="draws the first weights and the batches")


class NamesJobRequest(RequestModel):
    kind: Literal["names"] = Field(description="train the name → language GRU")
    params: NamesParams = Field(default_factory=NamesParams, description="what to train and how")
