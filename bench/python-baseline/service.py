"""The usual Python scoring service, as the named baseline of bench/bench_scoring_service.sh.

FastAPI on uvicorn, one request a transaction: the feature vector arrives as JSON, becomes a
one-row pandas DataFrame, and XGBoost predicts. This is how such services are commonly
written; it serves the same model file as fraud-scorer.

Run: FRAUD_MODEL=path/to/model.json uvicorn service:app --workers 2 --port 8000
"""
import os

import pandas as pd
import xgboost as xgb
from fastapi import FastAPI
from pydantic import BaseModel

MODEL_PATH = os.environ["FRAUD_MODEL"]
booster = xgb.Booster()
booster.load_model(MODEL_PATH)
booster.set_param({"nthread": 1})
FEATURES = booster.feature_names
REVIEW = float(os.environ.get("FRAUD_REVIEW_THRESHOLD", "0.5"))
DECLINE = float(os.environ.get("FRAUD_DECLINE_THRESHOLD", "0.9"))

app = FastAPI()


class ScoreRequest(BaseModel):
    transaction_id: str
    features: dict[str, float]


@app.post("/score")
def score(request: ScoreRequest):
    frame = pd.DataFrame([request.features], columns=FEATURES)
    probability = float(booster.predict(xgb.DMatrix(frame))[0])
    decision = "decline" if probability >= DECLINE else "review" if probability >= REVIEW else "approve"
    return {"transaction_id": request.transaction_id, "score": probability, "decision": decision}
