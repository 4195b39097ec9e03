# test/bench/r_compare.R — the R side of test/bench/r_compare.sh (a benchmark,
# not a test).  Two modes, each printing one line of key=value pairs:
#
#   Rscript r_compare.R fisher VALUES.txt N NOUS_BREAKS.txt
#     VALUES.txt: N integers a (one a line); the values are x = a / 2^20, exact
#     doubles, the same as nous's v = a / 2^20::float8.  Times
#     classInt::classIntervals(x, 7, style = "fisher", largeN = N + 1): with
#     largeN above the number of values classInt uses them all (it samples
#     samp_prop = 10 % of them when N > largeN, by default 3000).
#     NOUS_BREAKS.txt: nous.breaks(v, 7, 'fisher'), the upper bound of each class.
#     classInt 0.4-9 reports brks = [min, midpoints (max_c + min_{c+1})/2, max]
#     (test/oracles jenks71 EXPECTED.md); other versions [min, max_1..max_{k-1},
#     max]: both forms are built from nous's bounds and compared to 1e-9.
#
#   Rscript r_compare.R lisa GRID.csv LINKS.csv NOUS_LISA.csv NROW NCOL
#     GRID.csv (id,a): the values x = a / 2^20 in id order, id = row*NCOL+col+1;
#     LINKS.csv (from_id,to_id): nous.contiguity's queen links;
#     NOUS_LISA.csv (id,ii,p_permutation): nous.local_moran's result.
#     Builds spdep::cell2nb(NROW, NCOL, "queen") (its cell i is row-major,
#     the same numbering), checks its links equal nous's, times
#     localmoran_perm(x, nb2listw(nb, style = "W"), nsim = 999, iseed = 1) and
#     compares Ii to 1e-9.

args <- commandArgs(trailingOnly = TRUE)
scale <- 2^20
tol <- 1e-9

relclose <- function(a, b) {
  d <- abs(a - b)
  all(d <= tol * pmax(abs(a), abs(b)) | d <= 1e-12)
}
maxrel <- function(a, b) {
  d <- abs(a - b) / pmax(abs(a), abs(b), 1e-300)
  d[abs(a - b) <= 1e-12] <- 0
  max(d)
}

if (args[1] == "fisher") {
  suppressPackageStartupMessages(library(classInt))
  n <- as.integer(args[3])
  x <- scan(args[2], what = double(), quiet = TRUE) / scale
  stopifnot(length(x) == n)
  secs <- system.time(
    ci <- classIntervals(x, 7, style = "fisher", largeN = n + 1L, warnLargeN = FALSE)
  )[["elapsed"]]
  brks <- ci$brks
  txt <- gsub("[{} ]", "", readLines(args[4], warn = FALSE)[1])
  b <- as.numeric(strsplit(txt, ",")[[1]])
  k <- length(b)
  same <- "no"; form <- "-"; mr <- NA
  if (length(brks) == k + 1L && relclose(b[k], max(x))) {
    nextmin <- vapply(b[-k], function(v) min(x[x > v]), 0)
    mid <- c(min(x), (b[-k] + nextmin) / 2, max(x))
    upper <- c(min(x), b)
    if (relclose(brks, mid)) {
      same <- "yes"; form <- "midpoints"; mr <- maxrel(brks, mid)
    } else if (relclose(brks, upper)) {
      same <- "yes"; form <- "maxima"; mr <- maxrel(brks, upper)
    } else {
      mr <- min(maxrel(brks, mid), maxrel(brks, upper))
    }
  }
  cat(sprintf("secs=%.3f identical=%s form=%s classes=%d/%d maxrel=%.3g classint=%s\n",
              secs, same, form, length(brks) - 1L, k, mr, packageVersion("classInt")))
} else if (args[1] == "lisa") {
  suppressPackageStartupMessages(library(spdep))
  nr <- as.integer(args[5]); nc <- as.integer(args[6]); n <- nr * nc
  g <- read.csv(args[2])
  stopifnot(nrow(g) == n, all(g$id == seq_len(n)))
  x <- g$a / scale
  wsecs <- system.time({
    nb <- cell2nb(nr, nc, type = "queen")
    lw <- nb2listw(nb, style = "W")
  })[["elapsed"]]
  # the same neighbourhood: compare the directed link lists
  links <- read.csv(args[3])
  from <- rep(seq_len(n), card(nb))
  key_r <- sort(as.numeric(from) * (n + 1) + unlist(nb))
  key_n <- sort(as.numeric(links$from_id) * (n + 1) + links$to_id)
  same_w <- if (length(key_r) == length(key_n) && all(key_r == key_n)) "yes" else "no"
  secs <- system.time(
    lm <- localmoran_perm(x, lw, nsim = 999, iseed = 1)
  )[["elapsed"]]
  ii <- as.numeric(lm[, "Ii"])
  nl <- read.csv(args[4])
  stopifnot(nrow(nl) == n, all(nl$id == seq_len(n)))
  same <- if (relclose(ii, nl$ii)) "yes" else "no"
  psim <- as.numeric(lm[, "Pr(folded) Sim"])
  cat(sprintf(paste("secs=%.3f identical=%s maxrel=%.3g weights_secs=%.3f same_links=%s",
                    "links=%d sig_nous=%d sig_spdep=%d spdep=%s\n"),
              secs, same, maxrel(ii, nl$ii), wsecs, same_w, length(key_r),
              sum(nl$p_permutation <= 0.05), sum(psim <= 0.05), packageVersion("spdep")))
} else {
  stop("usage: r_compare.R fisher|lisa ...")
}
