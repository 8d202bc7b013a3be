"""Assessments chained into a pipeline: each step one rule set, outcomes feeding later inputs."""

from carepath.assessments.pipeline import Pipeline, load_pipeline
from carepath.assessments.result import Assessment, Fed

__all__ = ["Assessment", "Fed", "Pipeline", "load_pipeline"]
