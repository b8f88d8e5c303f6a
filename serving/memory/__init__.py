"""NPC memory: an NPC's observations ranked by recency, importance and relevance
(the retrieval score of Generative Agents, Park et al. 2023)."""
