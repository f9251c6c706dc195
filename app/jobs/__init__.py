"""Long work (training) as jobs: a store on disk, a runner, and the kinds of job there are."""
