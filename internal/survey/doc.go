// Package survey is the domain of the survey and benchmarking platform: members,
// peer groups, users and their tokens, questionnaires and answers, and the rules
// that say what is valid and who may do what. It imports only the standard library,
// so that the rules can be read and tested without a database or a web server.
package survey
